package io.distillery.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a snapshot is and where it came from: identity, lineage, the input it has consumed, the
 * code that made it, and a checksum of the model bytes. Immutable; the maps are unmodifiable copies.
 *
 * @param id                   unique snapshot id (for logs and metrics), not blank
 * @param model                model name and Kafka key of the snapshot topic, e.g. "teacher" or "student"
 * @param role                 the role that produced it, e.g. "teacher" or "student"
 * @param version              monotonically increasing per model, {@code >= 0}
 * @param parentTeacherVersion version of the teacher this model learned from, or -1 if none
 * @param configHash           {@link #configHash(Map)} of the producer's settings
 * @param inputOffsets         "topic-partition" to the next offset to consume
 * @param libraryVersions      e.g. {@link LibraryVersions#current()}
 * @param createdAtMs          creation time, epoch milliseconds
 * @param inputs               feature count of the network, {@code > 0}
 * @param outputs              class count of the network, {@code > 0}
 * @param modelSha256          lower-case hex SHA-256 of the model bytes; empty until
 *                             {@link Snapshot#of(SnapshotManifest, byte[])} fills it
 */
public record SnapshotManifest(
        String id,
        String model,
        String role,
        long version,
        long parentTeacherVersion,
        String configHash,
        Map<String, Long> inputOffsets,
        Map<String, String> libraryVersions,
        long createdAtMs,
        int inputs,
        int outputs,
        String modelSha256) {

    public SnapshotManifest {
        requireText(id, "id");
        requireText(model, "model");
        requireText(role, "role");
        Objects.requireNonNull(configHash, "configHash must not be null");
        if (version < 0) {
            throw new IllegalArgumentException("version must be >= 0, was " + version);
        }
        if (parentTeacherVersion < -1) {
            throw new IllegalArgumentException(
                    "parentTeacherVersion must be >= -1, was " + parentTeacherVersion);
        }
        if (inputs <= 0) {
            throw new IllegalArgumentException("inputs must be > 0, was " + inputs);
        }
        if (outputs <= 0) {
            throw new IllegalArgumentException("outputs must be > 0, was " + outputs);
        }
        inputOffsets = Map.copyOf(Objects.requireNonNull(inputOffsets, "inputOffsets must not be null"));
        libraryVersions = Map.copyOf(
                Objects.requireNonNull(libraryVersions, "libraryVersions must not be null"));
        modelSha256 = modelSha256 == null ? "" : modelSha256;
        if (!modelSha256.isEmpty() && !modelSha256.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    "modelSha256 must be 64 lower-case hex digits or empty, was " + modelSha256);
        }
    }

    /** This manifest with {@code modelSha256} replaced. */
    public SnapshotManifest withModelSha256(String sha256) {
        return new SnapshotManifest(id, model, role, version, parentTeacherVersion, configHash,
                inputOffsets, libraryVersions, createdAtMs, inputs, outputs, sha256);
    }

    /**
     * SHA-256 (lower-case hex) of the settings as sorted {@code key=value} lines, each ending in
     * '\n'. Backslashes and newlines are escaped in keys and values, and '=' in keys, so that
     * two different maps never produce the same text.
     *
     * @throws NullPointerException if a key or value is null
     */
    public static String configHash(Map<String, String> settings) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> e : new TreeMap<>(settings).entrySet()) {
            String value = Objects.requireNonNull(e.getValue(), () -> "value of " + e.getKey());
            text.append(escape(e.getKey()).replace("=", "\\=")).append('=')
                    .append(escape(value)).append('\n');
        }
        return Hashes.sha256Hex(text.toString().getBytes(StandardCharsets.UTF_8));
    }

    private static String escape(String s) {
        return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\r", "\\r");
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was " + value);
        }
    }
}
