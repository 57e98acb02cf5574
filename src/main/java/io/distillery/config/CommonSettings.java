package io.distillery.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Settings every role shares: where metrics are served, the snapshot keys, topic layout.
 *
 * @param metricsPort HTTP port of {@code /metrics} (0 picks a free port)
 * @param signingKey PEM of the Ed25519 private key snapshots are signed with, or {@code null} when unset
 * @param verifyKeys PEM of the Ed25519 public keys snapshots are verified with, or {@code null} when unset
 * @param hmacKey the legacy HMAC-SHA256 key that verifies snapshots of format 1 and 2, or {@code null}
 * @param partitions partitions of the record, logits and evals topics created by {@code topics}
 * @param replicationFactor replication factor of created topics
 * @param retentionMs retention of the non-compacted topics, milliseconds
 * @param snapshotMaxBytes largest snapshot message, bytes (topic {@code max.message.bytes})
 * @param stuckAfterMs how long a loop may go without finishing an iteration before it is unhealthy, ms
 * @param restoreAfterNonFinite non-finite training steps in a row after which a model's last good weights return
 * @param snapshotWriteFormat the snapshot format the writers sign: 4, or 3 while readers older than format 4 remain
 */
public record CommonSettings(int metricsPort, String signingKey, String verifyKeys, String hmacKey, int partitions,
                             short replicationFactor, long retentionMs, int snapshotMaxBytes, long stuckAfterMs,
                             int restoreAfterNonFinite, int snapshotWriteFormat) {
    public static final ConfigKey METRICS_PORT = new ConfigKey("metrics.port", "9400",
        "HTTP port serving /metrics in the Prometheus text format (0 picks a free port)");
    public static final ConfigKey SIGNING_KEY = ConfigKey.secret("snapshot.signing.key",
        "Ed25519 private key (PKCS#8 PEM, or the path of a PEM file) that signs snapshots; trainer and student only");
    public static final ConfigKey VERIFY_KEYS = new ConfigKey("snapshot.verify.keys", null,
        "Ed25519 public keys (one or more X.509 PEM blocks, or the path of a PEM file) that snapshots are verified"
            + " with; every role that loads snapshots");
    public static final ConfigKey HMAC_KEY = ConfigKey.secret("snapshot.hmac.key",
        "legacy shared key (at least 16 bytes) that still verifies snapshots of format 1 and 2 while set; signs"
            + " nothing");
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
    public static final ConfigKey WRITE_FORMAT = new ConfigKey("snapshot.write.format", "5",
        "format the trainer and student sign their snapshots in: 5 (the signature covers the manifest, which carries "
            + "each section's SHA-256; the network's weights travel once, in the ONNX section), 4 (the weights in "
            + "both sections) for readers older than format 5, or 3 (the signature covers the whole message) for "
            + "readers older than format 4, during an upgrade; every reader reads all three");
    public static final List<ConfigKey> KEYS = List.of(METRICS_PORT, SIGNING_KEY, VERIFY_KEYS, HMAC_KEY, PARTITIONS,
        REPLICATION, RETENTION_MS, SNAPSHOT_MAX_BYTES, STUCK_MS, RESTORE_AFTER_NONFINITE, WRITE_FORMAT);

    public CommonSettings {
        Checks.port(METRICS_PORT, metricsPort);
        Checks.positive(PARTITIONS, partitions);
        Checks.positive(REPLICATION, replicationFactor);
        Checks.positive(RETENTION_MS, retentionMs);
        Checks.atLeast(SNAPSHOT_MAX_BYTES, snapshotMaxBytes, 1 << 20);
        Checks.atLeast(STUCK_MS, stuckAfterMs, 1000);
        Checks.atLeast(RESTORE_AFTER_NONFINITE, restoreAfterNonFinite, 1);
        if (snapshotWriteFormat < 3 || snapshotWriteFormat > 5) {
            throw ConfigException.invalid(WRITE_FORMAT.name(), snapshotWriteFormat, "must be 3, 4 or 5");
        }
        if (hmacKey != null && hmacKey.getBytes(StandardCharsets.UTF_8).length < 16) {
            throw new ConfigException(HMAC_KEY.name() + " must be at least 16 bytes long, was "
                + hmacKey.length() + " characters");
        }
    }

    public static CommonSettings from(Config c) {
        String key = c.get(HMAC_KEY);
        return new CommonSettings(c.getInt(METRICS_PORT), pem(c, SIGNING_KEY), pem(c, VERIFY_KEYS),
            key == null || key.isBlank() ? null : key, c.getInt(PARTITIONS), (short) c.getInt(REPLICATION),
            c.getLong(RETENTION_MS), c.getInt(SNAPSHOT_MAX_BYTES), c.getLong(STUCK_MS),
            c.getInt(RESTORE_AFTER_NONFINITE), c.getInt(WRITE_FORMAT));
    }

    /** The PEM text of a key setting: the value itself when it holds a PEM block, else the file it names. */
    private static String pem(Config c, ConfigKey key) {
        String value = c.get(key);
        if (value == null || value.isBlank()) {
            return null;
        }
        if (value.contains("-----BEGIN ")) {
            return value;
        }
        try {
            return Files.readString(Path.of(value.strip()), StandardCharsets.US_ASCII);
        } catch (IOException | InvalidPathException e) {
            throw new ConfigException(key.name() + " holds no PEM block and names no readable file: "
                + (key.secret() ? "" : value.strip() + ": ") + e.getClass().getSimpleName());
        }
    }

    /** How long a loop may go without finishing an iteration before {@code /health} reports it. */
    public Duration stuckAfter() {
        return Duration.ofMillis(stuckAfterMs);
    }

    @Override
    public String toString() {
        return "CommonSettings[metricsPort=" + metricsPort + ", signingKey=" + Secrets.shown(SIGNING_KEY.name(),
            signingKey) + ", verifyKeys=" + (verifyKeys == null ? null : "<" + verifyKeys.length() + " chars>")
            + ", hmacKey=" + Secrets.shown(HMAC_KEY.name(), hmacKey) + ", partitions=" + partitions
            + ", replicationFactor=" + replicationFactor + ", retentionMs=" + retentionMs + ", snapshotMaxBytes="
            + snapshotMaxBytes + ", stuckAfterMs=" + stuckAfterMs + ", restoreAfterNonFinite=" + restoreAfterNonFinite
            + ", snapshotWriteFormat=" + snapshotWriteFormat + "]";
    }

    /** The legacy HMAC key as bytes, or {@code null} when unset. */
    public byte[] hmacKeyBytes() {
        return hmacKey == null ? null : hmacKey.getBytes(StandardCharsets.UTF_8);
    }
}
