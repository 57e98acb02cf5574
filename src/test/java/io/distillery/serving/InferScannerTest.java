package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.testing.InferClient;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The fast reader of infer requests against Jackson's: the same request or the same 400 for every body. */
class InferScannerTest {
    private static final int FEATURES = 8;
    private static final String ROW = "[1,2,3,4,5,6,7,8]";

    /** Parses both ways and checks they agree; true if the fast path read it. */
    private static boolean sameAsJackson(String json, int features) {
        byte[] body = json.getBytes(StandardCharsets.UTF_8);
        Object fast = outcome(() -> InferRequest.parse(body, body.length, features));
        Object jackson = outcome(() -> InferRequest.parseWithJackson(body, body.length, features));
        assertThat(fast).as(json).isEqualTo(jackson);
        return InferScanner.scan(body, body.length) != null;
    }

    /** A comparable summary of a parse: the request's fields and rows, or the error's status and message. */
    private static Object outcome(java.util.function.Supplier<InferRequest> parse) {
        try {
            InferRequest r = parse.get();
            return Arrays.asList(r.id(), Arrays.deepToString(r.rows()), r.outputs(), r.binaryOutputs(),
                Arrays.stream(r.rows()).map(row -> Arrays.toString(floatBits(row))).toList());
        } catch (HttpError e) {
            return e.status() + " " + e.getMessage();
        }
    }

    private static int[] floatBits(float[] row) {
        int[] bits = new int[row.length];
        for (int i = 0; i < row.length; i++) {
            bits[i] = Float.floatToRawIntBits(row[i]);
        }
        return bits;
    }

    private static String tensor(String shape, String data) {
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"FP32\",\"data\":" + data + "}]}";
    }

    @Test
    void shouldReadClientRequestsOnTheFastPathToTheBit() {
        Random random = new Random(5);
        for (int n : new int[] {1, 2, 32}) {
            for (int k = 0; k < 20; k++) {
                float[][] rows = new float[n][784];
                for (float[] row : rows) {
                    for (int i = 0; i < row.length; i++) {
                        row[i] = k % 2 == 0 ? random.nextFloat() : (float) (random.nextGaussian() * 1e3);
                    }
                }
                assertThat(sameAsJackson(InferClient.body(rows), 784)).isTrue();
                StringBuilder shortest = new StringBuilder("{\"id\":\"q-" + k + "\",\"inputs\":[{\"name\":\"x\","
                    + "\"datatype\":\"FP32\",\"shape\":[" + n + ",784],\"data\":[");
                for (int r = 0; r < n; r++) {
                    shortest.append(r == 0 ? "[" : ",[");
                    for (int i = 0; i < 784; i++) {
                        shortest.append(i == 0 ? "" : ",").append(Float.toString(rows[r][i]));
                    }
                    shortest.append(']');
                }
                assertThat(sameAsJackson(shortest.append("]}]}").toString(), 784)).isTrue();
            }
        }
    }

    static Stream<String> bodies() {
        return Stream.of(
            tensor("[1,8]", ROW),
            tensor("[2,8]", "[" + ROW + "," + ROW + "]"),
            tensor("[2,8]", "[[1,2,3,4],[5,6,7,8],[[1,2],[3,4,5,6,7,8]]]"),
            tensor("[2,8]", "[[],1,2,3,4,5,6,7,8," + ROW.substring(1)),
            " \n{ \"id\" : \"a b\" , \"inputs\" : [ { \"name\" : \"input\" , \"shape\" : [ 1 , 8 ] , \"datatype\" : "
                + "\"FP32\" , \"data\" : [ 1 , 2.5 , -3e2 , 4E-1 , 5 , 6 , 7 , 8 ] } ] } \t",
            "{\"model\":\"student\",\"x\":1.5,\"t\":true,\"n\":null," + tensor("[1,8]", ROW).substring(1),
            "{\"inputs\":[{\"name\":\"input\",\"note\":\"hi\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW + "}]}",
            "{\"inputs\":[{\"data\":" + ROW + ",\"datatype\":\"FP32\",\"shape\":[1,8]}]}",
            // each of these goes to Jackson, which must answer as it always did
            tensor("[1,8]", "[1,2,3,4,5,6,7,8,]"),
            tensor("[1,8]", "[1,2,3,4,,5,6,7,8]"),
            tensor("[1,8]", "[,1,2,3,4,5,6,7,8]"),
            tensor("[1,8]", "[1 2,3,4,5,6,7,8]"),
            tensor("[1,8]", "[[1,2,3,4][5,6,7,8]]"),
            tensor("[1,8]", "[1,2,3,4,5,6,7,8]]"),
            tensor("[1,8]", "[1,2,3,4,5,6,7,8"),
            tensor("[1,8]", "[1,2,3,NaN,5,6,7,8]"),
            tensor("[1,8]", "[1,2,3,1e39,5,6,7,8]"),
            tensor("[1,8]", "[1,2,3,\"4\",5,6,7,8]"),
            tensor("[1,8]", "[1,2,3,01,5,6,7,8]"),
            tensor("[1,8]", "[16777217.0,2.249635100364685,3,4,5,6,7,8]"),
            tensor("[1,7]", "[1,2,3,4,5,6,7]"),
            tensor("[2,8]", ROW),
            tensor("[0,8]", "[]"),
            tensor("[-1,8]", ROW),
            tensor("[1.0,8]", ROW),
            tensor("[1,8,1,1,1,1,1,1,1]", ROW),
            tensor("[8]", ROW),
            tensor("[1,8]", "7"),
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,8],\"datatype\":\"INT64\",\"data\":" + ROW + "}]}",
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,8],\"data\":" + ROW + "}]}",
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,8],\"datatype\":\"FP32\"}]}",
            "{\"inputs\":[{}]}",
            "{\"inputs\":[ { } ],\"id\":\"x\"}",
            "{\"inputs\":[]}",
            "{}",
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW + ",\"data\":"
                + ROW + "}]}",
            "{\"inputs\":[{\"name\":\"a\",\"name\":\"b\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW + "}]}",
            "{\"inputs\":[{\"name\":7,\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW + "}]}",
            "{\"inputs\":[{\"name\":\"in\\u0070ut\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW + "}]}",
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW + ",\"x\":{}}]}",
            "{\"inputs\":[{\"name\":\"input\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW
                + ",\"parameters\":{\"binary_data_size\":32}}]}",
            "{\"id\":5," + tensor("[1,8]", ROW).substring(1),
            "{\"id\":\"a\",\"id\":\"b\"," + tensor("[1,8]", ROW).substring(1),
            "{\"outputs\":[{\"name\":\"logits\"}]," + tensor("[1,8]", ROW).substring(1),
            "{\"outputs\":[{\"name\":\"embedding\"}]," + tensor("[1,8]", ROW).substring(1),
            "{\"parameters\":{\"binary_data_output\":true}," + tensor("[1,8]", ROW).substring(1),
            "{\"inputs\":[" + tensor("[1,8]", ROW).substring(11, tensor("[1,8]", ROW).length() - 2) + ","
                + tensor("[1,8]", ROW).substring(11, tensor("[1,8]", ROW).length() - 2) + "]}",
            "{\"inputs\":[]}",
            "{\"inputs\":[{}]}",
            "{\"inputs\":{}}",
            "{\"id\":\"a\"}",
            "{}",
            "[1,2]",
            "",
            "{\"inputs\": [",
            tensor("[1,8]", ROW) + " x",
            tensor("[1,8]", ROW) + "}",
            "{\"extra\":[1]," + tensor("[1,8]", ROW).substring(1));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @MethodSource("bodies")
    void shouldAnswerAsJacksonDoes(String json) {
        sameAsJackson(json, FEATURES);
    }

    @Test
    void shouldTakeTheFastPathForPlainRequestsOnly() {
        assertThat(sameAsJackson(tensor("[1,8]", ROW), FEATURES)).isTrue();
        assertThat(sameAsJackson(tensor("[2,8]", "[" + ROW + "," + ROW + "]"), FEATURES)).isTrue();
        assertThat(sameAsJackson(tensor("[1,8]", ROW).replace("}]}", ",\"x\":\"y\"}]}"), FEATURES)).isTrue();
        assertThat(sameAsJackson("{\"outputs\":[{\"name\":\"logits\"}]," + tensor("[1,8]", ROW).substring(1),
            FEATURES)).isFalse();
        assertThat(sameAsJackson(tensor("[1,8]", "[1,2,3,4,5,6,7,8,]"), FEATURES)).as("a trailing comma").isFalse();
    }
}
