package io.distillery.config;

import java.util.List;

/**
 * How many snapshot versions the snapshot topics keep per model, and whether a role may start a fresh
 * network when its topic holds snapshots of which none verifies.
 *
 * @param retainVersions versions kept per model: a snapshot's key is {@code model/slot} with slot = version
 *                       modulo this count, so compaction keeps a ring of the newest ones
 * @param allowColdStart whether a trainer or student whose own snapshots all fail verification starts a
 *                       fresh network (numbered above every version seen) instead of refusing to start
 */
public record SnapshotSettings(int retainVersions, boolean allowColdStart) {
    /** Most versions a ring may hold (a teacher snapshot with optimizer state is ~6 MB). */
    public static final int MAX_RETAIN = 100;
    public static final ConfigKey RETAIN_VERSIONS = new ConfigKey("snapshot.retain.versions", "5",
        "snapshot versions the compacted snapshot topics keep per model (key model/slot, slot = version modulo this);"
            + " a restarting role resumes from the newest of them that verifies");
    public static final ConfigKey ALLOW_COLD_START = new ConfigKey("snapshot.allow.cold.start", "false",
        "let a trainer or student start a fresh network when its snapshot topic holds snapshots but none verifies"
            + " (its versions then continue above every one seen); false: it refuses to start, naming why");
    public static final List<ConfigKey> KEYS = List.of(RETAIN_VERSIONS, ALLOW_COLD_START);

    public SnapshotSettings {
        Checks.atLeast(RETAIN_VERSIONS, retainVersions, 1);
        if (retainVersions > MAX_RETAIN) {
            throw ConfigException.invalid(RETAIN_VERSIONS.name(), retainVersions,
                "must be <= " + MAX_RETAIN);
        }
    }

    public static SnapshotSettings from(Config c) {
        return new SnapshotSettings(c.getInt(RETAIN_VERSIONS), c.getBoolean(ALLOW_COLD_START));
    }
}
