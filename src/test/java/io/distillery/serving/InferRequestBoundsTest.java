package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A request is checked against its bounds before the parser allocates for it: the work and memory of a
 * refused request stay proportional to its body, never to the numbers it declares, and the 400 quotes
 * nothing huge.
 */
class InferRequestBoundsTest {
    private static final int FEATURES = 8;
    private static final String ROW = "[1,2,3,4,5,6,7,8]";

    private static HttpError refusal(String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        try {
            InferRequest.parse(bytes, FEATURES);
        } catch (HttpError e) {
            return e;
        }
        throw new AssertionError("accepted: " + Messages.abbreviate(body));
    }

    private static long allocatedBy(Runnable r) {
        ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        r.run();
        return threads.getCurrentThreadAllocatedBytes() - before;
    }

    private static String tensor(String shape, String data) {
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"data\":" + data + "}]}";
    }

    @Test
    void shouldRefuseAShapeOfManyDimensionsAsItIsReadWithAShortMessage() {
        String shape = "[" + "1,".repeat(19_999) + "1]";
        byte[] body = tensor(shape, ROW).getBytes(StandardCharsets.UTF_8);
        long allocated = allocatedBy(() -> assertThatThrownBy(() -> InferRequest.parse(body, FEATURES))
            .isInstanceOf(HttpError.class));
        HttpError e = refusal(tensor(shape, ROW));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains("more than " + InferRequest.MAX_DIMS + " dimensions").hasSizeLessThan(200);
        // growing the shape one dimension at a time allocated ~1.6 GB here
        assertThat(allocated).isLessThan(4L * body.length + (1 << 20));
    }

    @Test
    void shouldRefuseASecondInputBeforeAllocatingForIt() {
        String body = "{\"inputs\":[" + "{},".repeat(99_999) + "{}]}";
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        long allocated = allocatedBy(() -> assertThatThrownBy(() -> InferRequest.parse(bytes, FEATURES))
            .isInstanceOf(HttpError.class).hasMessageContaining("expected exactly 1 input tensor, got more"));
        // a 1 KiB buffer per empty tensor allocated ~100 MB here
        assertThat(allocated).isLessThan(4L * bytes.length + (1 << 20));
    }

    @Test
    void shouldRefuseARowCountWhoseValueCountOverflowsIntoAMatch() {
        // 2^61 + 1 rows of 8 values: 8 values in all, modulo 2^64
        HttpError e = refusal(tensor("[2305843009213693953,8]", ROW));
        assertThat(e.status()).isEqualTo(400);
        assertThat(e.getMessage()).contains("holds 8 values, shape [2305843009213693953, 8] needs more");
    }

    @Test
    void shouldNotAllocateForADeclaredRowCountTheBodyCannotHold() {
        byte[] body = tensor("[100000000,8]", ROW).getBytes(StandardCharsets.UTF_8);
        long allocated = allocatedBy(() -> assertThatThrownBy(() -> InferRequest.parse(body, FEATURES))
            .isInstanceOf(HttpError.class).hasMessageContaining("holds 8 values"));
        assertThat(allocated).isLessThan(1 << 20);
    }

    @Test
    void shouldQuoteAtMostAShortPartOfClientText() {
        String huge = "x".repeat(100_000);
        HttpError datatype = refusal("{\"inputs\":[{\"name\":\"" + huge + "\",\"shape\":[1,8],\"datatype\":\"" + huge
            + "\",\"data\":" + ROW + "}]}");
        assertThat(datatype.getMessage()).contains("(100000 characters)").hasSizeLessThan(400);
        HttpError output = refusal("{\"inputs\":[{\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW
            + "}],\"outputs\":[{\"name\":\"" + huge + "\"}]}");
        assertThat(output.getMessage()).startsWith("unknown output").hasSizeLessThan(400);
        HttpError shape = refusal(tensor("[1,2,3,4,5,6,7,8]", ROW));
        assertThat(shape.getMessage()).contains("[1, 2, 3, 4, ... (8 dimensions)]");
    }

    @Test
    void shouldStillAcceptOneRowAndSeveral() {
        assertThat(InferRequest.parse(tensor("[1,8]", ROW).getBytes(StandardCharsets.UTF_8), FEATURES).rows())
            .hasDimensions(1, 8);
        assertThat(InferRequest.parse(tensor("[2,8]", "[" + ROW + "," + ROW + "]").getBytes(StandardCharsets.UTF_8),
            FEATURES).rows()).hasDimensions(2, 8);
    }
}
