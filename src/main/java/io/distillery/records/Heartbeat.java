package io.distillery.records;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What one role instance says about itself every few seconds on {@code distill.instances}
 * (key {@link #key()} = {@code role/instance}; a null value, written when the instance stops cleanly,
 * removes it).
 *
 * @param role the role, as {@link io.distillery.spec.Roles} names it
 * @param instance the instance within the role (host name and process id by default)
 * @param timeMs when it was written, epoch ms
 * @param intervalMs how often the instance writes one, ms
 * @param healthy whether every part of the role was up
 * @param parts each part's state as {@code /health} shows it ("up running", "down failed: ...")
 * @param versions the version of each model the instance holds: published (teacher, student) or served
 * @param lag the largest consumer lag of the instance's consumers, records; -1 when none reports one
 * @param state a few role-specific readings (the teacher's emission share and drift responses)
 * @param snapshotFormat the newest snapshot format the instance reads; 0 when its heartbeat does not say (written
 *     before heartbeats carried it; every such build reads formats up to 5)
 */
public record Heartbeat(String role, String instance, long timeMs, long intervalMs, boolean healthy,
                        Map<String, String> parts, Map<String, Long> versions, long lag, Map<String, Double> state,
                        int snapshotFormat) {
    public Heartbeat {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(instance, "instance");
        parts = Map.copyOf(parts);
        versions = Map.copyOf(versions);
        state = Map.copyOf(state);
    }

    /** The record key: {@code role/instance}. */
    public String key() {
        return key(role, instance);
    }

    public static String key(String role, String instance) {
        return role + "/" + instance;
    }

    /** The parts that are down, with why, in name order. */
    public Map<String, String> partsDown() {
        Map<String, String> down = new TreeMap<>();
        parts.forEach((name, detail) -> {
            if (detail.startsWith("down")) {
                down.put(name, detail);
            }
        });
        return down;
    }
}
