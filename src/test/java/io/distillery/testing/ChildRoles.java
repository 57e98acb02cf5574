package io.distillery.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The roles a test runs as child JVMs, with their logs in one directory: made here, started by the test,
 * all stopped by {@link #close()} (children included, see {@link RoleProcess#close()}). A role made with
 * {@link #withMetrics} gets a free {@code metrics.port} of its own.
 *
 * <p>Not thread-safe: make roles on the test thread; the processes themselves may be killed from any.
 */
public final class ChildRoles implements AutoCloseable {
    private final Path logDir;
    private final List<RoleProcess> roles = new ArrayList<>();
    private final Map<RoleProcess, Integer> metricsPorts = new LinkedHashMap<>();

    /** @param logDir where the children's logs go; emptied by {@link #clearLogs()} */
    public ChildRoles(Path logDir) {
        this.logDir = logDir;
    }

    /** Deletes the logs of an earlier run, so that the directory holds this run's alone. */
    public void clearLogs() throws IOException {
        if (Files.isDirectory(logDir)) {
            try (var logs = Files.list(logDir)) {
                for (Path p : logs.toList()) {
                    Files.delete(p);
                }
            }
        }
    }

    /** A role, not started yet. */
    public RoleProcess add(String name, List<String> args, Map<String, String> settings) {
        RoleProcess r = new RoleProcess(name, args, settings, logDir);
        roles.add(r);
        return r;
    }

    /** A role, not started yet, serving {@code /health} and {@code /metrics} on a free port. */
    public RoleProcess withMetrics(String name, List<String> args, Map<String, String> settings) throws IOException {
        Map<String, String> own = new HashMap<>(settings);
        int port = RoleEndpoints.freePort();
        own.put("metrics.port", Integer.toString(port));
        RoleProcess r = add(name, args, own);
        metricsPorts.put(r, port);
        return r;
    }

    /** The metrics port of a role made with {@link #withMetrics}. */
    public int metricsPort(RoleProcess role) {
        Integer port = metricsPorts.get(role);
        if (port == null) {
            throw new IllegalArgumentException(role.name() + " has no metrics port of its own");
        }
        return port;
    }

    /** The roles made with {@link #withMetrics} and their ports, in the order made. */
    public Map<RoleProcess, Integer> metricsPorts() {
        return new LinkedHashMap<>(metricsPorts);
    }

    /** Every role, in the order made. */
    public List<RoleProcess> all() {
        return List.copyOf(roles);
    }

    public void startAll() {
        roles.forEach(RoleProcess::start);
    }

    @Override
    public void close() {
        roles.forEach(RoleProcess::close);
    }
}
