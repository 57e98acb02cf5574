package io.distillery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.LongPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The HTTP endpoints of roles running as child JVMs ({@code /health}, serving's metadata), on loopback. */
public final class RoleEndpoints {
    private static final Pattern CURRENT_VERSION = Pattern.compile("\"current_version\"\\s*:\\s*\"?(\\d+)");
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private RoleEndpoints() {
    }

    /** A port free on loopback now, for a role's {@code metrics.port} or {@code serve.port}. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** {@code "<status> <body>"} of a GET on {@code 127.0.0.1:port}, or {@code "unreachable: ..."}. */
    public static String get(int port, String path) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
            return r.statusCode() + " " + r.body();
        } catch (IOException e) {
            return "unreachable: " + e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Waits until {@code /health} on the metrics port answers 200; false on timeout. */
    public static boolean awaitHealthy(int metricsPort, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (get(metricsPort, "/health").startsWith("200 ")) {
                return true;
            }
            Thread.sleep(1000);
        }
        return false;
    }

    /**
     * Waits until the student version that serving answers with satisfies {@code done}; returns the last one
     * seen (0 when none is served yet).
     */
    public static long awaitServedVersion(int servePort, LongPredicate done, Duration timeout)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        long version = 0;
        while (System.nanoTime() < deadline) {
            Matcher m = CURRENT_VERSION.matcher(get(servePort, "/v2/models/student"));
            version = m.find() ? Long.parseLong(m.group(1)) : 0;
            if (done.test(version)) {
                return version;
            }
            Thread.sleep(500);
        }
        return version;
    }
}
