package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.CLASSES;
import static io.distillery.serving.ServingFixtures.FEATURES;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.metrics.RoleMetrics;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The binary tensor data extension of the inference protocol, both ways, and what it refuses. */
class BinaryProtocolTest {
    private final RoleMetrics metrics = new RoleMetrics();
    private final ServeService service = ServingFixtures.service(ServingFixtures.settings(null, 2, 3), metrics);
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();

    BinaryProtocolTest() {
        service.snapshotListener().onSnapshot("student", snapshot(1), 0);
    }

    @AfterEach
    void close() {
        service.close();
        metrics.close();
    }

    private HttpResponse<byte[]> post(byte[] body, String headerLength) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(service.url().resolve("v2/models/student/infer"))
            .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofByteArray(body));
        if (headerLength != null) {
            b.header(BinaryTensors.HEADER, headerLength);
        }
        return http.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static byte[] concat(String json, byte[] binary) {
        byte[] head = json.getBytes(StandardCharsets.UTF_8);
        byte[] all = Arrays.copyOf(head, head.length + binary.length);
        System.arraycopy(binary, 0, all, head.length, binary.length);
        return all;
    }

    private static byte[] floats(int rows) {
        ByteBuffer b = ByteBuffer.allocate(rows * FEATURES * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < rows * FEATURES; i++) {
            b.putFloat(0.5f + i % FEATURES);
        }
        return b.array();
    }

    private static String header(int rows, long size, String outputs) {
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + "," + FEATURES + "],\"datatype\":\"FP32\","
            + "\"parameters\":{\"binary_data_size\":" + size + "}}]" + outputs + "}";
    }

    private static String error(HttpResponse<byte[]> r) throws Exception {
        return TestClient.JSON.readTree(r.body()).path("error").asText();
    }

    @Test
    void shouldAnswerBinaryOutputsForABinaryInputWithTheSameValuesAsJson() throws Exception {
        String json = header(2, 2L * FEATURES * 4, ",\"outputs\":[{\"name\":\"logits\",\"parameters\":"
            + "{\"binary_data\":true}},{\"name\":\"predicted_class\"}]");
        byte[] body = concat(json, floats(2));

        HttpResponse<byte[]> r = post(body, Integer.toString(json.getBytes(StandardCharsets.UTF_8).length));

        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.ISO_8859_1)).isEqualTo(200);
        int headerLength = Integer.parseInt(r.headers().firstValue(BinaryTensors.HEADER).orElseThrow());
        JsonNode answer = TestClient.JSON.readTree(Arrays.copyOf(r.body(), headerLength));
        JsonNode logits = answer.path("outputs").get(0);
        assertThat(logits.path("name").asText()).isEqualTo("logits");
        assertThat(logits.has("data")).isFalse();
        assertThat(logits.path("parameters").path("binary_data_size").asInt()).isEqualTo(2 * CLASSES * 4);
        assertThat(answer.path("outputs").get(1).path("data")).hasSize(2);
        FloatBufferView binary = new FloatBufferView(r.body(), headerLength);
        // the same request in JSON gives the same logits
        TestClient client = new TestClient(service.url());
        JsonNode plain = client.post("v2/models/student/infer", TestClient.inferBody("x", 2, FEATURES, 0)).json();
        assertThat(r.body().length - headerLength).isEqualTo(2 * CLASSES * 4);
        assertThat(binary.get(0)).isEqualTo(1.0f); // the fake network's first logit is its version
        assertThat(plain.path("outputs").get(0).path("data").get(0).floatValue()).isEqualTo(1.0f);
        float sum = 0;
        for (int i = 0; i < FEATURES; i++) {
            sum += 0.5f + i;
        }
        assertThat(binary.get(1)).isEqualTo(sum); // logit 1 is the row sum
    }

    @Test
    void shouldRefuseSizesThatDoNotAddUpWithA400NamingThem() throws Exception {
        String ok = header(2, 2L * FEATURES * 4, "");
        int len = ok.getBytes(StandardCharsets.UTF_8).length;

        assertThat(error(post(concat(ok, floats(2)), "abc"))).contains("must be an integer");
        assertThat(error(post(concat(ok, floats(2)), Integer.toString(len + 10_000)))).contains("body has");
        HttpResponse<byte[]> truncated = post(concat(ok, Arrays.copyOf(floats(2), 40)), Integer.toString(len));
        assertThat(truncated.statusCode()).isEqualTo(400);
        assertThat(error(truncated)).contains("binary_data_size is 64 bytes but the body carries 40 bytes");
        String lying = header(3, 2L * FEATURES * 4, "");
        HttpResponse<byte[]> shape = post(concat(lying, floats(2)), Integer.toString(lying.length()));
        assertThat(shape.statusCode()).isEqualTo(400);
        String huge = header(Integer.MAX_VALUE, 2L * FEATURES * 4, "");
        HttpResponse<byte[]> big = post(concat(huge, floats(2)), Integer.toString(huge.length()));
        assertThat(big.statusCode()).isEqualTo(400);
        assertThat(error(big)).contains("needs more data");
        String plain = "{\"inputs\":[{\"name\":\"input\",\"shape\":[1," + FEATURES + "],\"datatype\":\"FP32\","
            + "\"data\":[1,2,3,4,5,6,7,8]}]}";
        HttpResponse<byte[]> extra = post(concat(plain, floats(1)), Integer.toString(plain.length()));
        assertThat(error(extra)).contains("no input declares binary_data_size");
    }

    /** Little-endian FP32 values after an offset. */
    private record FloatBufferView(byte[] bytes, int offset) {
        float get(int i) {
            return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getFloat(offset + i * 4);
        }
    }
}
