package io.distillery.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (Prometheus text format 0.0.4) and {@code GET /health} on one port.
 * Start with {@link #start}, stop with {@link #close}. Scrape errors answer 500 and never reach the
 * host program.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts serving.
     *
     * @param host address to bind, e.g. {@code 0.0.0.0}
     * @param port the port, 0 for a free one
     * @throws IOException when the port cannot be bound
     */
    public static MetricsServer start(RoleMetrics metrics, String host, int port) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
        server.createContext("/metrics", ex -> answer(ex, metrics));
        server.createContext("/health", ex -> respond(ex, 200, "text/plain", "ok\n"));
        server.setExecutor(Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "metrics-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
        return new MetricsServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void answer(HttpExchange ex, RoleMetrics metrics) throws IOException {
        if (!"GET".equals(ex.getRequestMethod())) {
            respond(ex, 405, "text/plain", "only GET\n");
            return;
        }
        String body;
        try {
            body = metrics.scrape();
        } catch (RuntimeException e) {
            LOG.warn("metrics scrape failed", e);
            respond(ex, 500, "text/plain", "scrape failed\n");
            return;
        }
        respond(ex, 200, "text/plain; version=0.0.4; charset=utf-8", body);
    }

    private static void respond(HttpExchange ex, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", type);
        ex.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = ex.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
