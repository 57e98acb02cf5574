package io.distillery.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.distillery.service.Health;
import io.distillery.service.HealthCheck;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@code GET /metrics} (Prometheus text format 0.0.4) and {@code GET /health} on one port, on up to
 * {@value #MAX_THREADS} threads of its own with the request and response timeouts of {@link HttpServers}.
 * Start with {@link #start}, stop with {@link #close}. Scrape errors answer 500 and never reach the
 * host program.
 *
 * <p>{@code /health} asks each part of the role ({@link HealthCheck}) for its state: 200 with a first line
 * {@code ok} when every part is up, else 503 with a first line {@code unhealthy}; then one line per part,
 * {@code name: up|down detail}, so an operator sees which part failed and why.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MetricsServer.class);
    /**
     * Threads of this server's own pool: clients that stall mid-request hold one each for at most
     * {@link HttpServers#REQUEST_TIMEOUT_S} s, so probes and scrapes get through unless this many stall at once.
     */
    public static final int MAX_THREADS = 32;
    private final HttpServer server;

    private MetricsServer(HttpServer server) {
        this.server = server;
    }

    /**
     * Starts serving.
     *
     * @param host address to bind, e.g. {@code 0.0.0.0}
     * @param port the port, 0 for a free one
     * @param parts the parts whose state {@code /health} reports, read at each request
     * @throws IOException when the port cannot be bound
     */
    public static MetricsServer start(RoleMetrics metrics, String host, int port,
                                      Supplier<? extends Collection<? extends HealthCheck>> parts) throws IOException {
        HttpServer server = HttpServers.create(host, port, 1, MAX_THREADS, "metrics-http");
        server.createContext("/metrics", ex -> answer(ex, metrics));
        server.createContext("/health", ex -> health(ex, parts.get()));
        server.start();
        return new MetricsServer(server);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** The text of {@code /health} and whether every part is up. */
    public static Report report(Collection<? extends HealthCheck> parts) {
        StringBuilder lines = new StringBuilder();
        boolean healthy = true;
        for (HealthCheck part : parts) {
            Health h;
            try {
                h = part.health();
            } catch (RuntimeException e) {
                h = Health.down("health check failed: " + e);
            }
            healthy &= h.healthy();
            lines.append(part.name()).append(": ").append(h.healthy() ? "up " : "down ").append(h.detail())
                .append('\n');
        }
        return new Report(healthy, (healthy ? "ok\n" : "unhealthy\n") + lines);
    }

    /** What {@code /health} answers. */
    public record Report(boolean healthy, String text) {
    }

    private static void health(HttpExchange ex, Collection<? extends HealthCheck> parts) throws IOException {
        Report r = report(parts);
        respond(ex, r.healthy() ? 200 : 503, "text/plain; charset=utf-8", r.text());
    }

    private static void answer(HttpExchange ex, RoleMetrics metrics) throws IOException {
        if (!"GET".equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", "GET");
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
        HttpServers.stop(server);
    }
}
