package io.distillery.snapshot;

import java.util.Arrays;
import java.util.Objects;

/**
 * A manifest, the serialized network it describes and, optionally, the same network as ONNX bytes
 * (opaque here: other packages write and run them). Immutable: the bytes are copied in (the codec hands over
 * sections it has just cut from a message instead: one copy, not two), and {@link #modelBytes()} and
 * {@link #onnxBytes()} return copies (a few milliseconds for a 6 MB teacher).
 *
 * <p>A snapshot without an ONNX section holds an empty array: {@code null} and empty both mean
 * none, since no ONNX model is zero bytes long. Snapshots read from format version 1 never have one.
 *
 * <p>The constructors do not verify the checksums; build new snapshots with
 * {@link #of(SnapshotManifest, byte[], byte[])}, and {@link SnapshotCodec#decode(byte[])} verifies
 * the ones it reads.
 */
public final class Snapshot {

    private static final byte[] NONE = new byte[0];

    private final SnapshotManifest manifest;
    private final byte[] modelBytes;
    private final byte[] onnxBytes;

    /** @param onnxBytes the network as ONNX, or {@code null} or empty for none */
    public Snapshot(SnapshotManifest manifest, byte[] modelBytes, byte[] onnxBytes) {
        this(manifest, Objects.requireNonNull(modelBytes, "modelBytes must not be null").clone(),
            onnxBytes == null || onnxBytes.length == 0 ? NONE : onnxBytes.clone(), true);
    }

    /** Takes the arrays as they are ({@code owned} only tells this constructor from the public one). */
    private Snapshot(SnapshotManifest manifest, byte[] modelBytes, byte[] onnxBytes, boolean owned) {
        this.manifest = Objects.requireNonNull(manifest, "manifest must not be null");
        this.modelBytes = modelBytes;
        this.onnxBytes = onnxBytes.length == 0 ? NONE : onnxBytes;
    }

    /** A snapshot that keeps the given arrays, which the caller has just made and does not keep: for the codec. */
    static Snapshot owning(SnapshotManifest manifest, byte[] modelBytes, byte[] onnxBytes) {
        return new Snapshot(manifest, Objects.requireNonNull(modelBytes, "modelBytes must not be null"),
            Objects.requireNonNull(onnxBytes, "onnxBytes must not be null"), true);
    }

    public SnapshotManifest manifest() {
        return manifest;
    }

    /** A snapshot without an ONNX section. */
    public Snapshot(SnapshotManifest manifest, byte[] modelBytes) {
        this(manifest, modelBytes, null);
    }

    /** A snapshot without an ONNX section whose manifest carries the SHA-256 of {@code modelBytes}. */
    public static Snapshot of(SnapshotManifest manifest, byte[] modelBytes) {
        return of(manifest, modelBytes, null);
    }

    /**
     * A snapshot whose manifest carries the SHA-256 of {@code modelBytes} and of {@code onnxBytes}
     * (an empty {@code onnxSha256} when those are {@code null} or empty).
     */
    public static Snapshot of(SnapshotManifest manifest, byte[] modelBytes, byte[] onnxBytes) {
        Objects.requireNonNull(modelBytes, "modelBytes must not be null");
        boolean onnx = onnxBytes != null && onnxBytes.length > 0;
        SnapshotManifest summed = manifest.toBuilder()
                .modelSha256(Hashes.sha256Hex(modelBytes))
                .onnxSha256(onnx ? Hashes.sha256Hex(onnxBytes) : "")
                .build();
        return new Snapshot(summed, modelBytes, onnxBytes);
    }

    /** A copy of the serialized network. */
    public byte[] modelBytes() {
        return modelBytes.clone();
    }

    /** A copy of the network as ONNX bytes; empty when {@link #hasOnnx()} is false. */
    public byte[] onnxBytes() {
        return onnxBytes.clone();
    }

    /** Whether the snapshot carries the network as ONNX bytes. */
    public boolean hasOnnx() {
        return onnxBytes.length > 0;
    }

    /** Size of the serialized network in bytes. */
    public int modelSize() {
        return modelBytes.length;
    }

    /** Size of the ONNX section in bytes, 0 when there is none. */
    public int onnxSize() {
        return onnxBytes.length;
    }

    /**
     * Whether the model bytes hash to the manifest's {@code modelSha256}, and the ONNX bytes to its
     * {@code onnxSha256} (both empty when there is no ONNX section).
     */
    public boolean checksumMatches() {
        return modelChecksumMatches() && onnxChecksumMatches();
    }

    boolean modelChecksumMatches() {
        return Hashes.sha256Hex(modelBytes).equals(manifest.modelSha256());
    }

    boolean onnxChecksumMatches() {
        return hasOnnx()
                ? Hashes.sha256Hex(onnxBytes).equals(manifest.onnxSha256())
                : !manifest.hasOnnx();
    }

    /** The model bytes themselves, for the codec only. */
    byte[] bytesNoCopy() {
        return modelBytes;
    }

    /** The ONNX bytes themselves (empty for none), for the codec only. */
    byte[] onnxNoCopy() {
        return onnxBytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot other
                && manifest.equals(other.manifest)
                && Arrays.equals(modelBytes, other.modelBytes)
                && Arrays.equals(onnxBytes, other.onnxBytes);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * manifest.hashCode() + Arrays.hashCode(modelBytes)) + Arrays.hashCode(onnxBytes);
    }

    @Override
    public String toString() {
        return "Snapshot[" + manifest + ", " + modelBytes.length + " model bytes, "
                + (hasOnnx() ? onnxBytes.length + " ONNX bytes]" : "no ONNX]");
    }
}
