package io.distillery.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/**
 * Settings of the heartbeat every role publishes to {@code distill.instances}.
 *
 * @param intervalMs time between two heartbeats of one instance, ms; a reader takes an instance that
 *                   has said nothing for three intervals for silent
 * @param instance the instance's name in the heartbeat key {@code role/instance}
 */
public record HeartbeatSettings(long intervalMs, String instance) {
    public static final ConfigKey INTERVAL_MS = new ConfigKey("heartbeat.interval.ms", "5000",
        "time between two heartbeats of a role instance on distill.instances, ms");
    public static final ConfigKey INSTANCE = new ConfigKey("heartbeat.instance", "",
        "name of this instance in its heartbeat key role/instance; empty: the host name and the process id");
    public static final List<ConfigKey> KEYS = List.of(INTERVAL_MS, INSTANCE);

    public HeartbeatSettings {
        Checks.atLeast(INTERVAL_MS, intervalMs, 100);
        Checks.notBlank(INSTANCE, instance);
        if (instance.contains("/")) {
            throw ConfigException.invalid(INSTANCE.name(), instance, "must not contain '/'");
        }
    }

    public static HeartbeatSettings from(Config c) {
        String instance = c.get(INSTANCE);
        return new HeartbeatSettings(c.getLong(INTERVAL_MS),
            instance == null || instance.isBlank() ? defaultInstance() : instance.strip());
    }

    /** The host name (a pod's name on Kubernetes) and the process id. */
    static String defaultInstance() {
        String host;
        try {
            host = InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            host = "localhost";
        }
        return host.replace('/', '_') + "-" + ProcessHandle.current().pid();
    }
}
