package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.metrics.MetricsServer;
import io.distillery.metrics.RoleMetrics;
import io.distillery.service.HealthCheck;
import io.distillery.topics.BrokerProbe;
import io.distillery.topics.ClientFactory;
import java.io.IOException;
import java.net.BindException;
import java.time.Clock;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the parts of a role until the process is told to stop or a part fails: serves {@code /metrics} and
 * {@code /health} (the state of every part that has one), closes the parts in reverse order on
 * SIGTERM/Ctrl-C (each publishes what it has and stops cleanly), and answers exit code 1 when a part
 * failed (fatal error: log once, exit non-zero, let the orchestrator restart the process, which resumes
 * from its last snapshot).
 */
final class RoleRunner implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RoleRunner.class);

    /** One running part: its name, how to close it, and its health, if it reports one. */
    private record Part(String name, AutoCloseable closer, HealthCheck health) {
    }

    private final List<Part> parts = new CopyOnWriteArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean stopping;
    private RoleMetrics metrics;
    private MetricsServer metricsServer;

    /**
     * A runner for one role: its metrics (every series tagged with the role), served on metrics.port, and a
     * {@link BrokerProbe} whose {@code /health} line says whether the role reaches the cluster.
     */
    static RoleRunner forRole(String role, Config config) throws IOException {
        RoleRunner runner = new RoleRunner();
        runner.metrics = new RoleMetrics(role);
        CommonSettings common = CommonSettings.from(config);
        runner.serveMetrics(runner.metrics, common);
        runner.add(BrokerProbe.create(config, common.stuckAfter())).start();
        return runner;
    }

    /** The port /metrics is served on (the one picked when metrics.port is 0), or -1 before it is. */
    int metricsPort() {
        return metricsServer == null ? -1 : metricsServer.port();
    }

    /** The metrics of a runner made by {@link #forRole}. */
    RoleMetrics metrics() {
        return metrics;
    }

    /** Adds a part that reports its health and failure; returns it. */
    <T extends HealthCheck & AutoCloseable> T add(T part) {
        parts.add(new Part(part.name(), part, part));
        return part;
    }

    /** Adds a part without a health of its own (a thread, an embedded broker). */
    RoleRunner add(String name, AutoCloseable closer) {
        parts.add(new Part(name, closer, null));
        return this;
    }

    /**
     * Starts the heartbeat of {@code role} over its parts; added after them, it stops first, so its
     * tombstone says the instance stopped on purpose.
     */
    void heartbeat(String role, Config config, RoleMetrics roleMetrics, List<? extends HealthCheck> roleParts) {
        add(new Heartbeats(role, config, ClientFactory.KAFKA, roleMetrics, roleParts,
            CommonSettings.from(config).stuckAfter(), Clock.systemUTC())).start();
    }

    /** The parts that report their health, in start order. */
    List<HealthCheck> healthChecks() {
        return parts.stream().map(Part::health).filter(Objects::nonNull).toList();
    }

    /** Serves /metrics and /health on the configured port; the server is closed last. */
    MetricsServer serveMetrics(RoleMetrics metrics, CommonSettings common) throws IOException {
        MetricsServer server;
        try {
            server = MetricsServer.start(metrics, "0.0.0.0", common.metricsPort(), this::healthChecks);
        } catch (BindException e) {
            throw PortInUse.of(CommonSettings.METRICS_PORT, common.metricsPort());
        }
        parts.add(0, new Part("metrics", () -> {
            server.close();
            metrics.close();
        }, null));
        LOG.info("metrics on http://localhost:{}/metrics, health on /health{}", server.port(),
            common.metricsPort() == 0 ? " (a free port, as metrics.port=0 asks)" : "");
        metricsServer = server;
        return server;
    }

    /**
     * Blocks until shutdown or a failure, calling {@code tick} about every {@code tickMs}.
     *
     * @return 0 after a requested shutdown, 1 when a part failed
     */
    int await(Runnable tick, long tickMs) throws InterruptedException {
        Thread hook = new Thread(() -> {
            stopping = true;
            stop.countDown();
            closeAll();
        }, "shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        while (!stop.await(tickMs, TimeUnit.MILLISECONDS)) {
            for (HealthCheck part : healthChecks()) {
                Throwable t = part.failure();
                if (t != null && !stopping) {
                    LOG.error("{} failed: {}; stopping so the orchestrator restarts this process", part.name(),
                        t.toString());
                    stopping = true;
                    Runtime.getRuntime().removeShutdownHook(hook);
                    closeAll();
                    return 1;
                }
            }
            tick.run();
        }
        return 0;
    }

    /** Closes every part in reverse order, as a shutdown does. */
    @Override
    public void close() {
        stopping = true;
        closeAll();
    }

    private synchronized void closeAll() {
        for (int i = parts.size() - 1; i >= 0; i--) {
            Part p = parts.get(i);
            try {
                p.closer().close();
            } catch (Exception e) {
                LOG.warn("closing {} failed: {}", p.name(), e.toString());
            }
        }
        parts.clear();
    }
}
