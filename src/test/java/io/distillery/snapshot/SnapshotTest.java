package io.distillery.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SnapshotTest {

    private static final byte[] MODEL = "network bytes".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ONNX = "onnx bytes".getBytes(StandardCharsets.UTF_8);
    private final SnapshotManifest manifest = SnapshotFixtures.manifest(4, 3);

    @Test
    void shouldSetBothChecksumsWhenBuiltWithOnnx() {
        Snapshot snapshot = Snapshot.of(manifest, MODEL, ONNX);

        assertThat(snapshot.manifest().modelSha256()).isEqualTo(Hashes.sha256Hex(MODEL));
        assertThat(snapshot.manifest().onnxSha256()).isEqualTo(Hashes.sha256Hex(ONNX));
        assertThat(snapshot.hasOnnx()).isTrue();
        assertThat(snapshot.onnxSize()).isEqualTo(ONNX.length);
        assertThat(snapshot.checksumMatches()).isTrue();
    }

    @Test
    void shouldHaveNoOnnxSectionWhenBuiltWithoutOne() {
        SnapshotManifest namingOnnx = manifest.toBuilder().onnxSha256(Hashes.sha256Hex(ONNX)).build();

        for (Snapshot snapshot : new Snapshot[] {Snapshot.of(namingOnnx, MODEL),
                Snapshot.of(namingOnnx, MODEL, null), Snapshot.of(namingOnnx, MODEL, new byte[0])}) {
            assertThat(snapshot.hasOnnx()).isFalse();
            assertThat(snapshot.onnxBytes()).isEmpty();
            assertThat(snapshot.manifest().onnxSha256()).isEmpty();
            assertThat(snapshot.checksumMatches()).isTrue();
        }
    }

    @Test
    void shouldNotMatchChecksumWhenManifestNamesOnnxTheSnapshotLacks() {
        SnapshotManifest summed = Snapshot.of(manifest, MODEL, ONNX).manifest();

        assertThat(new Snapshot(summed, MODEL).checksumMatches()).isFalse();
        assertThat(new Snapshot(summed, MODEL, "other".getBytes(StandardCharsets.UTF_8)).checksumMatches())
                .isFalse();
        assertThat(new Snapshot(Snapshot.of(manifest, MODEL).manifest(), MODEL, ONNX).checksumMatches())
                .isFalse();
    }

    @Test
    void shouldCopyBytesInAndOut() {
        byte[] onnx = ONNX.clone();
        Snapshot snapshot = Snapshot.of(manifest, MODEL, onnx);
        onnx[0] ^= 1;
        snapshot.onnxBytes()[1] ^= 1;
        snapshot.modelBytes()[0] ^= 1;

        assertThat(snapshot.onnxBytes()).isEqualTo(ONNX);
        assertThat(snapshot.modelBytes()).isEqualTo(MODEL);
    }

    @Test
    void shouldCompareOnnxBytesInEquals() {
        Snapshot withOnnx = Snapshot.of(manifest, MODEL, ONNX);
        Snapshot same = new Snapshot(withOnnx.manifest(), MODEL.clone(), ONNX.clone());
        Snapshot otherOnnx = new Snapshot(withOnnx.manifest(), MODEL, "other".getBytes(StandardCharsets.UTF_8));

        assertThat(withOnnx).isEqualTo(same).hasSameHashCodeAs(same).isNotEqualTo(otherOnnx);
        assertThat(new Snapshot(manifest, MODEL, null)).isEqualTo(new Snapshot(manifest, MODEL, new byte[0]));
        assertThat(withOnnx.toString()).endsWith(MODEL.length + " model bytes, " + ONNX.length + " ONNX bytes]");
        assertThat(Snapshot.of(manifest, MODEL).toString()).endsWith("no ONNX]");
    }
}
