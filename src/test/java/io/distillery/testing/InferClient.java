package io.distillery.testing;

import java.io.IOException;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * A keep-alive HTTP/1.1 client of one serving instance's infer endpoint, for load tests: one instance per
 * client thread, one request at a time, on one {@link RawHttp} socket that it opens when it has none and closes
 * only when a request fails or an answer says {@code Connection: close}. So every connection the server sees end
 * was ended by the server or by a failed request, never by the client's own pooling: {@code java.net.http}'s
 * client, used here before, once closed an idle keep-alive connection of its pool while a request was being
 * sent on it (docs/serving-benchmark.md, "A request lost in a full-suite run"). Not thread-safe.
 */
public final class InferClient implements AutoCloseable {
    /** One answer: status, the {@code model_version} it reports (-1 when absent), the raw body. */
    public record Answer(int status, long version, String body) {
    }

    private static final int TIMEOUT_MS = 10_000;
    private final String host;
    private final int port;
    private final String path;
    private RawHttp connection;

    /** @param base the service's base URL, e.g. {@code http://127.0.0.1:8080/} */
    public InferClient(URI base, String model) {
        URI infer = base.resolve("v2/models/" + model + "/infer");
        this.host = infer.getHost();
        this.port = infer.getPort();
        this.path = infer.getRawPath();
    }

    /**
     * Posts one infer body and waits for the answer (10 s at most per read).
     *
     * @throws IOException when the connection fails, ends or times out (the connection is then closed, and the next
     *                     request opens another)
     */
    public Answer infer(String body) throws IOException {
        byte[] request = RawHttp.request("POST", path, body.getBytes(StandardCharsets.UTF_8),
            "Content-Type", "application/json");
        if (connection == null) {
            connection = new RawHttp(host, port, TIMEOUT_MS);
        }
        RawHttp.Response r;
        try {
            r = connection.exchange(request);
        } catch (IOException e) {
            close();
            throw e;
        }
        if ("close".equalsIgnoreCase(r.headers().get("connection"))) {
            close();
        }
        String text = r.text();
        return new Answer(r.status(), version(text), text);
    }

    /** Closes the connection, if one is open. */
    @Override
    public void close() {
        if (connection != null) {
            try {
                connection.close();
            } catch (IOException e) {
                // closing a socket that failed: nothing left to release
            }
            connection = null;
        }
    }

    /** An Open Inference Protocol v2 infer body of the given rows (FP32, shape [rows, features]). */
    public static String body(float[][] rows) {
        int features = rows[0].length;
        StringBuilder b = new StringBuilder(32 + rows.length * features * 12);
        b.append("{\"inputs\":[{\"name\":\"input\",\"shape\":[").append(rows.length).append(',').append(features)
            .append("],\"datatype\":\"FP32\",\"data\":[");
        for (int r = 0; r < rows.length; r++) {
            for (int i = 0; i < features; i++) {
                b.append(r + i == 0 ? "" : ",").append(String.format(Locale.ROOT, "%.4f", rows[r][i]));
            }
        }
        return b.append("]}]}").toString();
    }

    /** A binary-extension infer body: its JSON header's length and the bytes (header, then the rows, FP32 LE). */
    public record BinaryBody(int headerLength, byte[] bytes) {
    }

    /**
     * An infer body of the given rows with the binary tensor data extension, asking for every output as binary
     * data.
     */
    public static BinaryBody binaryBody(float[][] rows) {
        int features = rows[0].length;
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows.length + "," + features
            + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + rows.length * features * 4
            + "}}],\"parameters\":{\"binary_data_output\":true}}").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(header.length + rows.length * features * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        for (float[] row : rows) {
            for (float v : row) {
                b.putFloat(v);
            }
        }
        return new BinaryBody(header.length, b.array());
    }

    /** The {@code model_version} of an infer answer, found without a full parse; -1 when absent. */
    public static long version(String body) {
        String field = "\"model_version\":\"";
        int at = body.indexOf(field);
        if (at < 0) {
            return -1;
        }
        int start = at + field.length();
        int end = body.indexOf('"', start);
        try {
            return Long.parseLong(body.substring(start, end));
        } catch (NumberFormatException | IndexOutOfBoundsException e) {
            return -1;
        }
    }
}
