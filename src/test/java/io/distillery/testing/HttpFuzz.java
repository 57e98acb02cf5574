package io.distillery.testing;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Hostile clients of a serving instance on loopback: threads that send seeded random malformed infer
 * requests (JSON and binary bodies, shapes, headers, sizes), each on a fresh connection whose sending side
 * is then shut (so a request that claims more body than it has ends instead of waiting), and sockets that
 * send one byte and stall, replaced when the server closes them. Counts the answers by status. Started by
 * {@link #start} (until {@link #stop}) or {@link #start(int, int, long, int, int)} (a fixed number of
 * requests, then the senders end).
 */
public final class HttpFuzz implements AutoCloseable {
    private static final String INFER = "/v2/models/student/infer";

    /** What the attack saw: answers by status, connections closed without an answer, stalled sockets the server closed. */
    public record Report(long requests, Map<Integer, Long> statuses, long closedWithoutAnswer, long stalledClosed) {
        public long count5xx() {
            return statuses.entrySet().stream().filter(e -> e.getKey() >= 500).mapToLong(Map.Entry::getValue).sum();
        }

        @Override
        public String toString() {
            return requests + " malformed requests, answers by status " + statuses + ", " + closedWithoutAnswer
                + " closed without an answer; " + stalledClosed + " stalled sockets closed by the server";
        }
    }

    private final int port;
    private final int features;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final AtomicLong requests = new AtomicLong();
    private final AtomicLong closed = new AtomicLong();
    private final AtomicLong stalledClosed = new AtomicLong();
    private final Map<Integer, AtomicLong> statuses = new java.util.concurrent.ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    private HttpFuzz(int port, int features) {
        this.port = port;
        this.features = features;
    }

    /** Two sender threads without end and {@code stalled} stalled sockets. */
    public static HttpFuzz start(int port, int features, long seed, int stalled) throws IOException {
        return start(port, features, seed, stalled, -1);
    }

    /** As {@link #start(int, int, long, int)}, the senders ending after {@code total} requests in all (-1: never). */
    public static HttpFuzz start(int port, int features, long seed, int stalled, int total) throws IOException {
        HttpFuzz f = new HttpFuzz(port, features);
        AtomicInteger left = new AtomicInteger(total);
        for (int k = 0; k < 2; k++) {
            Random random = new Random(seed + k);
            f.thread("fuzz-sender-" + k, () -> f.send(random, total < 0 ? null : left));
        }
        List<Socket> sockets = new ArrayList<>();
        for (int i = 0; i < stalled; i++) {
            sockets.add(f.stall());
        }
        f.thread("fuzz-stalled", () -> f.keepStalled(sockets));
        return f;
    }

    private void thread(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        threads.add(t);
        t.start();
    }

    /** Waits for the senders to send their requests (a fixed number only), at most {@code timeoutMs}. */
    public void awaitSenders(long timeoutMs) throws InterruptedException {
        long deadline = System.nanoTime() + timeoutMs * 1_000_000;
        for (Thread t : threads.subList(0, 2)) {
            t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
    }

    /** Stops every thread and socket; the report. */
    public Report stop() throws InterruptedException {
        stop.set(true);
        for (Thread t : threads) {
            t.join(10_000);
        }
        Map<Integer, Long> byStatus = new TreeMap<>();
        statuses.forEach((k, v) -> byStatus.put(k, v.get()));
        return new Report(requests.get(), byStatus, closed.get(), stalledClosed.get());
    }

    @Override
    public void close() throws InterruptedException {
        if (!stop.get()) {
            stop();
        }
    }

    private void send(Random random, AtomicInteger left) {
        while (!stop.get() && (left == null || left.getAndDecrement() > 0)) {
            byte[] request = request(random);
            requests.incrementAndGet();
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
                s.setSoTimeout(10_000);
                s.getOutputStream().write(request);
                s.shutdownOutput();
                int status = status(s.getInputStream());
                if (status < 0) {
                    closed.incrementAndGet();
                } else {
                    statuses.computeIfAbsent(status, k -> new AtomicLong()).incrementAndGet();
                }
            } catch (IOException e) {
                closed.incrementAndGet();
            }
        }
    }

    /** The status of the answer, -1 when the connection ended without one. */
    private static int status(InputStream in) throws IOException {
        byte[] head = in.readNBytes(12);
        String line = new String(head, StandardCharsets.ISO_8859_1);
        if (head.length < 12 || !line.startsWith("HTTP/1.")) {
            return -1;
        }
        in.skip(Long.MAX_VALUE);
        return Integer.parseInt(line.substring(9, 12));
    }

    private Socket stall() throws IOException {
        Socket s = new Socket();
        s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
        s.getOutputStream().write('P');
        s.getOutputStream().flush();
        s.setSoTimeout(1);
        return s;
    }

    /** Every 200 ms: a stalled socket the server closed is counted and replaced. */
    private void keepStalled(List<Socket> sockets) {
        while (!stop.get()) {
            for (int i = 0; i < sockets.size(); i++) {
                try {
                    if (sockets.get(i).getInputStream().read() != -1) {
                        continue;
                    }
                } catch (SocketTimeoutException e) {
                    continue;
                } catch (IOException e) {
                    // reset: closed as well
                }
                stalledClosed.incrementAndGet();
                closeQuietly(sockets.get(i));
                try {
                    sockets.set(i, stall());
                } catch (IOException e) {
                    closed.incrementAndGet();
                }
            }
            try {
                Thread.sleep(200);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        sockets.forEach(HttpFuzz::closeQuietly);
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // nothing left to release
        }
    }

    /** One malformed (or borderline) request of a random kind. */
    byte[] request(Random r) {
        return switch (r.nextInt(9)) {
            case 0 -> post(mutate(r, validJson(r)), r);
            case 1 -> post(("{\"inputs\":[{\"name\":\"input\",\"shape\":" + shape(r) + ",\"datatype\":\""
                + pick(r, "FP32", "INT64", "", "x".repeat(r.nextInt(5000))) + "\",\"data\":" + data(r) + "}]}")
                .getBytes(StandardCharsets.US_ASCII), r);
            case 2 -> post(("{\"inputs\":[" + "{},".repeat(r.nextInt(20_000)) + "{}]}").getBytes(StandardCharsets.US_ASCII), r);
            case 3 -> binary(r);
            case 4 -> framing(r);
            case 5 -> RawHttp.request(pick(r, "GET", "PUT", "DELETE", "BREW", "POST"), path(r), bytes(r, r.nextInt(64)));
            case 6 -> bytes(r, r.nextInt(2000));
            case 7 -> post(("{\"inputs\":[{\"name\":\"input\",\"shape\":[1," + features + "],\"datatype\":\"FP32\",\"data\":"
                + "[".repeat(r.nextInt(3000)) + "1" + "]".repeat(r.nextInt(3000)) + "}]" + outputs(r) + "}")
                .getBytes(StandardCharsets.US_ASCII), r);
            default -> post(validJson(r), r);
        };
    }

    private byte[] post(byte[] body, Random r) {
        return r.nextInt(10) == 0
            ? RawHttp.request("POST", INFER, body, "Content-Type", "application/json", "X-" + r.nextInt(), "y".repeat(r.nextInt(10_000)))
            : RawHttp.request("POST", INFER, body, "Content-Type", "application/json");
    }

    private byte[] validJson(Random r) {
        int rows = 1 + r.nextInt(3);
        StringBuilder b = new StringBuilder("{\"id\":\"f\",\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + ","
            + features + "],\"datatype\":\"FP32\",\"data\":[");
        for (int i = 0; i < rows * features; i++) {
            b.append(i == 0 ? "" : ",").append(r.nextFloat());
        }
        return b.append("]}]}").toString().getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] mutate(Random r, byte[] body) {
        byte[] out = body.clone();
        for (int i = 0, n = 1 + r.nextInt(8); i < n; i++) {
            out[r.nextInt(out.length)] = (byte) r.nextInt(256);
        }
        return r.nextBoolean() ? out : java.util.Arrays.copyOf(out, r.nextInt(out.length + 1));
    }

    private String shape(Random r) {
        int dims = r.nextInt(20) == 0 ? 100_000 : r.nextInt(6);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < dims; i++) {
            b.append(i == 0 ? "" : ",").append(switch (r.nextInt(7)) {
                case 0 -> "-1";
                case 1 -> "0";
                case 2 -> "1152921504606846977";
                case 3 -> "9223372036854775807";
                case 4 -> "99999999999999999999999";
                case 5 -> Integer.toString(features);
                default -> Integer.toString(r.nextInt(5));
            });
        }
        return b.append("]").toString();
    }

    private String data(Random r) {
        int n = r.nextInt(3 * features);
        StringBuilder b = new StringBuilder("[");
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(pick(r, "1", "NaN", "-Infinity", "1e39", "\"s\"", "null", "[2]", "{}", "0.5"));
        }
        return b.append("]").toString();
    }

    private static String outputs(Random r) {
        return r.nextBoolean() ? "" : ",\"outputs\":[{\"name\":\"" + "o".repeat(r.nextInt(100_000)) + "\"}]";
    }

    private byte[] binary(Random r) {
        int rows = r.nextInt(4);
        long declared = switch (r.nextInt(4)) {
            case 0 -> (long) rows * features * 4;
            case 1 -> -4;
            case 2 -> Long.MAX_VALUE;
            default -> r.nextInt(100_000);
        };
        byte[] header = ("{\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + "," + features
            + "],\"datatype\":\"FP32\",\"parameters\":{\"binary_data_size\":" + declared + "}}]}")
            .getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(header.length + r.nextInt(4 * features * 4 + 1)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(header);
        while (b.remaining() >= 4) {
            b.putFloat(r.nextInt(10) == 0 ? Float.NaN : r.nextFloat());
        }
        String length = pick(r, Integer.toString(header.length), "-1", "0", "abc", "99999999999",
            Integer.toString(b.capacity() + 1), Integer.toString(r.nextInt(header.length + 1)));
        return RawHttp.request("POST", INFER, b.array(), "Inference-Header-Content-Length", length);
    }

    /** Requests whose framing lies: lengths, chunks, header lines. */
    private byte[] framing(Random r) {
        String head = "POST " + INFER + " HTTP/1.1\r\nHost: x\r\n";
        String body = new String(validJson(r), StandardCharsets.US_ASCII);
        String text = switch (r.nextInt(6)) {
            case 0 -> head + "Content-Length: " + (body.length() + 1 + r.nextInt(1000)) + "\r\n\r\n" + body;
            case 1 -> head + "Content-Length: " + pick(r, "-5", "abc", "99999999999999999999", "") + "\r\n\r\n" + body;
            case 2 -> head + "Transfer-Encoding: chunked\r\n\r\n" + pick(r, "zz\r\n", "ffffffff\r\n", "5\r\nab") + body;
            case 3 -> head + "Content-Length: 5\r\nContent-Length: 6\r\n\r\n" + body;
            case 4 -> head + "Bad Header Without Colon\r\n" + "X: y\r\n".repeat(r.nextInt(500)) + "\r\n";
            default -> "POST " + "/v2/" + "a".repeat(r.nextInt(100_000)) + " HTTP/1.1\r\n\r\n";
        };
        return text.getBytes(StandardCharsets.ISO_8859_1);
    }

    private static String path(Random r) {
        return pick(r, INFER, "/v2/models/other/infer", "/v2/models/student/versions/x/infer",
            "/v2/models/student/versions/99999999999999999999/infer", "/v2/admin/pin", "/v2/admin/zap",
            "/v2/models/student/onnx", "/nothing", "/v2/models/student/" + "z".repeat(r.nextInt(5000)));
    }

    private static byte[] bytes(Random r, int n) {
        byte[] b = new byte[n];
        r.nextBytes(b);
        return b;
    }

    private static String pick(Random r, String... options) {
        return options[r.nextInt(options.length)];
    }
}
