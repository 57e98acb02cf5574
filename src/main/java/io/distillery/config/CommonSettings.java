package io.distillery.config;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * Settings every role shares: where metrics are served, the snapshot signing key, topic layout.
 *
 * @param metricsPort HTTP port of {@code /metrics} (0 picks a free port)
 * @param hmacKey key of the HMAC-SHA256 over every snapshot, or {@code null} when unset
 * @param partitions partitions of the record, logits and evals topics created by {@code topics}
 * @param replicationFactor replication factor of created topics
 * @param retentionMs retention of the non-compacted topics, milliseconds
 * @param snapshotMaxBytes largest snapshot message, bytes (topic {@code max.message.bytes})
 * @param stuckAfterMs how long a loop may go without finishing an iteration before it is unhealthy, ms
 * @param restoreAfterNonFinite non-finite training steps in a row after which a model's last good weights return
 */
public record CommonSettings(int metricsPort, String hmacKey, int partitions, short replicationFactor,
                             long retentionMs, int snapshotMaxBytes, long stuckAfterMs, int restoreAfterNonFinite) {
    public static final ConfigKey METRICS_PORT = new ConfigKey("metrics.port", "9400",
        "HTTP port serving /metrics in the Prometheus text format (0 picks a free port)");
    public static final ConfigKey HMAC_KEY = ConfigKey.secret("snapshot.hmac.key",
        "secret key of the HMAC-SHA256 that signs and verifies every snapshot (at least 16 bytes)");
    public static final ConfigKey PARTITIONS = new ConfigKey("topics.partitions", "3",
        "partitions of the record, logits and evals topics");
    public static final ConfigKey REPLICATION = new ConfigKey("topics.replication.factor", "1",
        "replication factor of the topics that 'topics' creates");
    public static final ConfigKey RETENTION_MS = new ConfigKey("topics.retention.ms", "604800000",
        "retention of the record, logits, evals, feedback and dead-letter topics, milliseconds");
    public static final ConfigKey SNAPSHOT_MAX_BYTES = new ConfigKey("topics.snapshot.max.bytes", "33554432",
        "max.message.bytes of the snapshot topics (a teacher snapshot with optimizer state is ~6 MB)");
    public static final ConfigKey STUCK_MS = new ConfigKey("health.stuck.ms", "120000",
        "a loop that finishes no iteration (or waits on the broker) for this long makes /health answer 503, ms");
    public static final ConfigKey RESTORE_AFTER_NONFINITE = new ConfigKey("training.nonfinite.restore.after", "3",
        "training steps with a non-finite loss or weights are undone; after this many in a row the model's last "
            + "good weights (its last published snapshot) are restored and its optimizer state reset");
    public static final List<ConfigKey> KEYS = List.of(METRICS_PORT, HMAC_KEY, PARTITIONS, REPLICATION, RETENTION_MS,
        SNAPSHOT_MAX_BYTES, STUCK_MS, RESTORE_AFTER_NONFINITE);

    public CommonSettings {
        Checks.port(METRICS_PORT, metricsPort);
        Checks.positive(PARTITIONS, partitions);
        Checks.positive(REPLICATION, replicationFactor);
        Checks.positive(RETENTION_MS, retentionMs);
        Checks.atLeast(SNAPSHOT_MAX_BYTES, snapshotMaxBytes, 1 << 20);
        Checks.atLeast(STUCK_MS, stuckAfterMs, 1000);
        Checks.atLeast(RESTORE_AFTER_NONFINITE, restoreAfterNonFinite, 1);
        if (hmacKey != null && hmacKey.getBytes(StandardCharsets.UTF_8).length < 16) {
            throw new ConfigException(HMAC_KEY.name() + " must be at least 16 bytes long, was "
                + hmacKey.length() + " characters");
        }
    }

    public static CommonSettings from(Config c) {
        String key = c.get(HMAC_KEY);
        return new CommonSettings(c.getInt(METRICS_PORT), key == null || key.isBlank() ? null : key,
            c.getInt(PARTITIONS), (short) c.getInt(REPLICATION), c.getLong(RETENTION_MS),
            c.getInt(SNAPSHOT_MAX_BYTES), c.getLong(STUCK_MS), c.getInt(RESTORE_AFTER_NONFINITE));
    }

    /** How long a loop may go without finishing an iteration before {@code /health} reports it. */
    public Duration stuckAfter() {
        return Duration.ofMillis(stuckAfterMs);
    }

    /** The HMAC key as bytes; fails naming the key when a role that signs or verifies has none. */
    public byte[] requireHmacKey() {
        if (hmacKey == null) {
            throw new ConfigException(HMAC_KEY.name() + " must be set (env " + HMAC_KEY.envName()
                + "): snapshots are signed and verified with it");
        }
        return hmacKey.getBytes(StandardCharsets.UTF_8);
    }
}
