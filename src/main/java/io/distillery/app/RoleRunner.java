package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.metrics.MetricsServer;
import io.distillery.metrics.RoleMetrics;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs the parts of a role until the process is told to stop or a part fails: serves {@code /metrics},
 * closes the parts in reverse order on SIGTERM/Ctrl-C (each publishes what it has and stops cleanly),
 * and answers exit code 1 when a part failed (fatal error: log once, exit non-zero, let the
 * orchestrator restart the process, which resumes from its last snapshot).
 */
final class RoleRunner {
    private static final Logger LOG = LoggerFactory.getLogger(RoleRunner.class);

    /** One running part: its name, how to close it, and its fatal error if any. */
    record Part(String name, AutoCloseable closer, Supplier<Throwable> failure) {
    }

    private final List<Part> parts = new ArrayList<>();
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean stopping;
    private RoleMetrics metrics;

    /** A runner for one role: its metrics (every series tagged with the role), served on metrics.port. */
    static RoleRunner forRole(String role, io.distillery.config.Config config) throws IOException {
        RoleRunner runner = new RoleRunner();
        runner.metrics = new RoleMetrics(role);
        runner.serveMetrics(runner.metrics, CommonSettings.from(config));
        return runner;
    }

    /** The metrics of a runner made by {@link #forRole}. */
    RoleMetrics metrics() {
        return metrics;
    }

    RoleRunner add(String name, AutoCloseable closer, Supplier<Throwable> failure) {
        parts.add(new Part(name, closer, failure));
        return this;
    }

    /** Serves /metrics on the configured port; the server is closed last. */
    MetricsServer serveMetrics(RoleMetrics metrics, CommonSettings common) throws IOException {
        MetricsServer server = MetricsServer.start(metrics, "0.0.0.0", common.metricsPort());
        parts.add(0, new Part("metrics", () -> {
            server.close();
            metrics.close();
        }, () -> null));
        LOG.info("metrics on http://localhost:{}/metrics", server.port());
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
        while (!stop.await(tickMs, java.util.concurrent.TimeUnit.MILLISECONDS)) {
            for (Part p : parts) {
                Throwable t = p.failure().get();
                if (t != null && !stopping) {
                    LOG.error("{} failed: {}; stopping so the orchestrator restarts this process", p.name(), t.toString());
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
