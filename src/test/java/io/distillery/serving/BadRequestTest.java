package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import io.distillery.testing.RawHttp;
import java.io.ByteArrayInputStream;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class BadRequestTest {
    private static RoleMetrics metrics;
    private static ServeService service;
    private static TestClient client;

    @BeforeAll
    static void start() {
        metrics = new RoleMetrics();
        service = ServingFixtures.service(ServingFixtures.settings(null, 2, 3), metrics);
        feed(service, snapshot(1));
        client = new TestClient(service.url());
    }

    @AfterAll
    static void stop() {
        service.close();
        metrics.close();
    }

    private static String tensor(String shape, String datatype, String data) {
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape + ",\"datatype\":\"" + datatype
            + "\",\"data\":" + data + "}]}";
    }

    private static final String ROW = "[1,2,3,4,5,6,7,8]";
    private static final String TWO_INPUTS = "{\"name\":\"a\",\"shape\":[1,8],\"datatype\":\"FP32\",\"data\":" + ROW + "}";

    static Stream<Arguments> badBodies() {
        return Stream.of(
            Arguments.of("malformed JSON", "{\"inputs\": [", "malformed JSON"),
            Arguments.of("not an object", "[1,2]", "request body must be a JSON object"),
            Arguments.of("trailing garbage", tensor("[1,8]", "FP32", ROW) + " x", "malformed JSON"),
            Arguments.of("empty body", "", "request body must be a JSON object"),
            Arguments.of("no inputs", "{\"id\":\"a\"}", "request has no 'inputs'"),
            Arguments.of("two inputs", "{\"inputs\":[" + TWO_INPUTS + "," + TWO_INPUTS + "]}",
                "expected exactly 1 input tensor, got more"),
            Arguments.of("wrong row width", tensor("[1,7]", "FP32", "[1,2,3,4,5,6,7]"),
                "rows must have 8 features, input 'input' has shape [1, 7]"),
            Arguments.of("shape and data disagree", tensor("[2,8]", "FP32", ROW),
                "holds 8 values, shape [2, 8] needs 16"),
            Arguments.of("nested rows too short", tensor("[2,8]", "FP32", "[[1,2],[3,4]]"),
                "holds 4 values, shape [2, 8] needs 16"),
            Arguments.of("one-dimensional shape", tensor("[8]", "FP32", ROW), "expected [rows, 8]"),
            Arguments.of("empty batch", tensor("[0,8]", "FP32", "[]"), "empty batch"),
            Arguments.of("negative row count", tensor("[-1,8]", "FP32", ROW), "the row count must be > 0"),
            Arguments.of("no data", "{\"inputs\":[{\"shape\":[1,8],\"datatype\":\"FP32\"}]}", "has no data"),
            Arguments.of("wrong datatype", tensor("[1,8]", "INT64", ROW), "datatype INT64; this model takes FP32"),
            Arguments.of("missing datatype", "{\"inputs\":[{\"shape\":[1,8],\"data\":" + ROW + "}]}",
                "has no datatype"),
            Arguments.of("NaN", tensor("[1,8]", "FP32", "[1,2,3,NaN,5,6,7,8]"),
                "value 3 (row 0, feature 3) is not a finite FP32 number"),
            Arguments.of("infinity", tensor("[1,8]", "FP32", "[1,2,3,4,5,6,7,-Infinity]"), "not a finite FP32 number"),
            Arguments.of("beyond FP32 range", tensor("[1,8]", "FP32", "[1e39,2,3,4,5,6,7,8]"),
                "value 0 (row 0, feature 0) is not a finite FP32 number"),
            Arguments.of("a string in data", tensor("[1,8]", "FP32", "[1,2,3,\"4\",5,6,7,8]"),
                "input data must hold only numbers, found a string"),
            Arguments.of("id not a string", "{\"id\":5," + tensor("[1,8]", "FP32", ROW).substring(1),
                "id must be a string"),
            Arguments.of("unknown output", "{\"outputs\":[{\"name\":\"embedding\"}],"
                + tensor("[1,8]", "FP32", ROW).substring(1), "unknown output 'embedding'"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badBodies")
    void shouldAnswer400WithAnOipErrorMessage(String name, String body, String message) {
        TestClient.Answer a = client.post("v2/models/student/infer", body);

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.raw().headers().firstValue("Content-Type")).hasValue("application/json");
        assertThat(a.error()).contains(message);
    }

    @Test
    void shouldAnswer413ToABodyOverTheLimitByContentLength() {
        String big = "{\"pad\":\"" + "x".repeat(70_000) + "\"}";

        TestClient.Answer a = client.post("v2/models/student/infer", big);

        assertThat(a.status()).isEqualTo(413);
        assertThat(a.error()).contains("over serve.max.body.bytes=65536");
    }

    @Test
    void shouldAnswer413ToAChunkedBodyOverTheLimit() {
        byte[] big = ("{\"pad\":\"" + "x".repeat(70_000) + "\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        HttpRequest.Builder chunked = client.request("v2/models/student/infer")
            .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big)));

        TestClient.Answer a = client.send(chunked);

        assertThat(a.status()).isEqualTo(413);
        assertThat(a.error()).contains("over serve.max.body.bytes=65536");
    }

    /**
     * The JDK server discards up to 64 KiB of a body left unread and closes the connection when more may be
     * left; the answer must then say {@code Connection: close}, or a keep-alive client sends its next request
     * into a closed connection and gets nothing back. Each case on a fresh connection: the answer's status,
     * whether it says close, and whether the connection then closes or serves a good request.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("unreadBodies")
    void shouldSayConnectionCloseExactlyWhenItClosesTheConnection(String name, byte[] request, int status,
                                                                  boolean closes) throws Exception {
        try (RawHttp http = new RawHttp("127.0.0.1", service.port(), 2000)) {
            RawHttp.Response first = http.exchange(request);

            assertThat(first.status()).isEqualTo(status);
            assertThat(first.headers().get("connection")).isEqualTo(closes ? "close" : null);
            if (closes) {
                assertThat(http.closedByServer()).as("connection closed after the answer").isTrue();
            } else {
                byte[] good = tensor("[1,8]", "FP32", ROW).getBytes(StandardCharsets.US_ASCII);
                RawHttp.Response next = http.exchange(RawHttp.request("POST", "/v2/models/student/infer", good));
                assertThat(next.status()).as("the next request on the same connection").isEqualTo(200);
            }
        }
    }

    static Stream<Arguments> unreadBodies() {
        String path = "/v2/models/student/infer";
        byte[] over64KiB = ("{\"pad\":\"" + "x".repeat(70_000) + "\"}").getBytes(StandardCharsets.US_ASCII);
        byte[] kilobyte = ("{\"pad\":\"" + "x".repeat(1000) + "\"}").getBytes(StandardCharsets.US_ASCII);
        return Stream.of(
            Arguments.of("70 KB by Content-Length, refused unread", RawHttp.request("POST", path, over64KiB), 413,
                true),
            Arguments.of("1 KB refused unread (405), discarded whole", RawHttp.request("POST", "/v2/health/live",
                kilobyte), 405, false),
            Arguments.of("70 KB chunked, read to the limit", chunked(path, over64KiB), 413, true),
            Arguments.of("bad JSON, read whole", RawHttp.request("POST", path, "{{{".getBytes(StandardCharsets.US_ASCII)),
                400, false),
            Arguments.of("a good request", RawHttp.request("POST", path,
                tensor("[1,8]", "FP32", ROW).getBytes(StandardCharsets.US_ASCII)), 200, false));
    }

    /** A request with the body sent chunked, 8 KiB a chunk. */
    private static byte[] chunked(String path, byte[] body) {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        b.writeBytes(RawHttp.request("POST", path, null, "Transfer-Encoding", "chunked"));
        for (int at = 0; at < body.length; at += 8192) {
            int n = Math.min(8192, body.length - at);
            b.writeBytes((Integer.toHexString(n) + "\r\n").getBytes(StandardCharsets.US_ASCII));
            b.write(body, at, n);
            b.writeBytes("\r\n".getBytes(StandardCharsets.US_ASCII));
        }
        b.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return b.toByteArray();
    }

    @Test
    void shouldAnswer400ToABodyCutShortOfItsContentLength() throws Exception {
        byte[] request = RawHttp.request("POST", "/v2/models/student/infer",
            tensor("[1,8]", "FP32", ROW).getBytes(StandardCharsets.US_ASCII));
        try (RawHttp http = new RawHttp("127.0.0.1", service.port(), 2000)) {
            http.send(java.util.Arrays.copyOf(request, request.length - 10));
            http.endOutput();

            RawHttp.Response a = http.read();

            assertThat(a.status()).isEqualTo(400);
            assertThat(a.text()).contains("unreadable request body");
        }
    }

    @Test
    void shouldAnswer400ToABinaryHeaderLengthThatCutsTheJson() {
        TestClient.Answer a = client.post("v2/models/student/infer", tensor("[1,8]", "FP32", ROW),
            "Inference-Header-Content-Length", "10");

        assertThat(a.status()).isEqualTo(400);
        assertThat(a.error()).contains("malformed JSON");
    }

    @Test
    void shouldKeepServingGoodRequestsAfterBadOnes() {
        client.post("v2/models/student/infer", "{{{");

        TestClient.Answer a = client.post("v2/models/student/infer", tensor("[1,8]", "FP32", ROW));

        assertThat(a.status()).isEqualTo(200);
        assertThat(metrics.scrape().lines().filter(l -> l.contains("status=\"5xx\"")))
            .as("5xx series exist from the start, and stay at 0").isNotEmpty().allMatch(l -> l.endsWith(" 0.0"));
    }
}
