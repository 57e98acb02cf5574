package io.distillery.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What a snapshot is and where it came from: identity, lineage, the input it has consumed, the
 * code that made it, and checksums of the model bytes and of the ONNX graph when there is one.
 * Immutable; the maps are unmodifiable copies. Build one with {@link #builder()}, which does not
 * break its callers when a field is added; the canonical constructor does.
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
 * @param onnxSha256           lower-case hex SHA-256 of the same network as ONNX bytes; empty when
 *                             the snapshot carries no ONNX graph (always, before format version 2)
 * @param probeLogits          the network's logits on the ONNX gate's fixed probe batch, as its writer
 *                             computed them: base64 of little-endian float32, row after row; empty when
 *                             the writer did not record them (snapshots written before the field existed)
 * @param probeHidden          likewise the network's last hidden layer on the probe batch, when its ONNX
 *                             graph has a hidden output; empty otherwise
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
        String modelSha256,
        String onnxSha256,
        String probeLogits,
        String probeHidden) {

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
        modelSha256 = requireSha256OrEmpty(modelSha256, "modelSha256");
        // null, not only "": a manifest written before the field existed has no such JSON field
        onnxSha256 = requireSha256OrEmpty(onnxSha256, "onnxSha256");
        probeLogits = requireBase64OrEmpty(probeLogits, "probeLogits");
        probeHidden = requireBase64OrEmpty(probeHidden, "probeHidden");
    }

    /** A builder with no field set: id, model, role, version, inputs and outputs are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding every field of this manifest. */
    public Builder toBuilder() {
        return new Builder()
                .id(id).model(model).role(role).version(version)
                .parentTeacherVersion(parentTeacherVersion).configHash(configHash)
                .inputOffsets(inputOffsets).libraryVersions(libraryVersions)
                .createdAtMs(createdAtMs).shape(inputs, outputs)
                .modelSha256(modelSha256).onnxSha256(onnxSha256).probe(probeLogits, probeHidden);
    }

    /** This manifest with {@code modelSha256} replaced. */
    public SnapshotManifest withModelSha256(String sha256) {
        return toBuilder().modelSha256(sha256).build();
    }

    /**
     * Whether the snapshot carries the network as ONNX bytes too, which its manifest says whatever
     * the format version it was read from.
     */
    public boolean hasOnnx() {
        return !onnxSha256.isEmpty();
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

    private static String requireSha256OrEmpty(String value, String field) {
        if (value == null) {
            return "";
        }
        if (!value.isEmpty() && !value.matches("[0-9a-f]{64}")) {
            throw new IllegalArgumentException(
                    field + " must be 64 lower-case hex digits or empty, was " + value);
        }
        return value;
    }

    private static String requireBase64OrEmpty(String value, String field) {
        if (value == null) {
            return "";
        }
        try {
            Base64.getDecoder().decode(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(field + " must be base64 or empty, was "
                    + value.substring(0, Math.min(value.length(), 40)), e);
        }
        return value;
    }

    private static void requireText(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(field + " must not be blank, was " + value);
        }
    }

    /**
     * Collects the fields of a manifest; {@link #build()} checks them all, naming the first bad one.
     * Optional fields default to: no parent teacher (-1), empty config hash, offsets and library
     * versions, time 0, no checksums, no probe outputs. Not thread-safe.
     */
    public static final class Builder {
        private String id;
        private String model;
        private String role;
        private long version = -1;
        private long parentTeacherVersion = -1;
        private String configHash = "";
        private Map<String, Long> inputOffsets = Map.of();
        private Map<String, String> libraryVersions = Map.of();
        private long createdAtMs;
        private int inputs;
        private int outputs;
        private String modelSha256 = "";
        private String onnxSha256 = "";
        private String probeLogits = "";
        private String probeHidden = "";

        private Builder() {
        }

        public Builder id(String id) {
            this.id = id;
            return this;
        }

        public Builder model(String model) {
            this.model = model;
            return this;
        }

        public Builder role(String role) {
            this.role = role;
            return this;
        }

        public Builder version(long version) {
            this.version = version;
            return this;
        }

        public Builder parentTeacherVersion(long parentTeacherVersion) {
            this.parentTeacherVersion = parentTeacherVersion;
            return this;
        }

        public Builder configHash(String configHash) {
            this.configHash = configHash;
            return this;
        }

        public Builder inputOffsets(Map<String, Long> inputOffsets) {
            this.inputOffsets = inputOffsets;
            return this;
        }

        public Builder libraryVersions(Map<String, String> libraryVersions) {
            this.libraryVersions = libraryVersions;
            return this;
        }

        public Builder createdAtMs(long createdAtMs) {
            this.createdAtMs = createdAtMs;
            return this;
        }

        /** The network's feature and class counts. */
        public Builder shape(int inputs, int outputs) {
            this.inputs = inputs;
            this.outputs = outputs;
            return this;
        }

        public Builder modelSha256(String modelSha256) {
            this.modelSha256 = modelSha256;
            return this;
        }

        public Builder onnxSha256(String onnxSha256) {
            this.onnxSha256 = onnxSha256;
            return this;
        }

        /** The network's outputs on the ONNX gate's probe batch, encoded (see the record's fields). */
        public Builder probe(String probeLogits, String probeHidden) {
            this.probeLogits = probeLogits;
            this.probeHidden = probeHidden;
            return this;
        }

        /** @throws IllegalArgumentException naming the field and its value when one is invalid */
        public SnapshotManifest build() {
            return new SnapshotManifest(id, model, role, version, parentTeacherVersion, configHash,
                    inputOffsets, libraryVersions, createdAtMs, inputs, outputs, modelSha256, onnxSha256,
                    probeLogits, probeHidden);
        }
    }
}
