package io.distillery.snapshot;

import java.util.Arrays;
import java.util.Objects;

/**
 * A manifest and the serialized network it describes. Immutable: the bytes are copied in, and
 * {@link #modelBytes()} returns a copy (a few milliseconds for a 6 MB teacher).
 *
 * <p>The canonical constructor does not verify the checksum; build new snapshots with
 * {@link #of(SnapshotManifest, byte[])}, and {@link SnapshotCodec#decode(byte[])} verifies
 * the ones it reads.
 */
public record Snapshot(SnapshotManifest manifest, byte[] modelBytes) {

    public Snapshot {
        Objects.requireNonNull(manifest, "manifest must not be null");
        modelBytes = Objects.requireNonNull(modelBytes, "modelBytes must not be null").clone();
    }

    /** A snapshot whose manifest carries the SHA-256 of {@code modelBytes}. */
    public static Snapshot of(SnapshotManifest manifest, byte[] modelBytes) {
        return new Snapshot(manifest.withModelSha256(Hashes.sha256Hex(modelBytes)), modelBytes);
    }

    /** A copy of the serialized network. */
    @Override
    public byte[] modelBytes() {
        return modelBytes.clone();
    }

    /** Size of the serialized network in bytes. */
    public int modelSize() {
        return modelBytes.length;
    }

    /** Whether the model bytes hash to the manifest's {@code modelSha256}. */
    public boolean checksumMatches() {
        return Hashes.sha256Hex(modelBytes).equals(manifest.modelSha256());
    }

    /** The bytes themselves, for the codec only. */
    byte[] bytesNoCopy() {
        return modelBytes;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Snapshot other
                && manifest.equals(other.manifest)
                && Arrays.equals(modelBytes, other.modelBytes);
    }

    @Override
    public int hashCode() {
        return 31 * manifest.hashCode() + Arrays.hashCode(modelBytes);
    }

    @Override
    public String toString() {
        return "Snapshot[" + manifest + ", " + modelBytes.length + " model bytes]";
    }
}
