package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.CLASSES;
import static io.distillery.serving.ServingFixtures.FEATURES;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SnapshotSwapperTest {
    private final RoleMetrics metrics = new RoleMetrics();
    private final ServeMetrics meters = new ServeMetrics(metrics, "student");
    private final ModelRegistry registry = new ModelRegistry(3, false, meters::state);
    private final SnapshotSwapper swapper = new SnapshotSwapper("student", FEATURES, CLASSES, 2,
        ServingFixtures.CODEC, FakeNetwork.LOADER, registry, meters);

    @AfterEach
    void close() {
        metrics.close();
    }

    private double rejected(String reason) {
        var c = metrics.registry().find("distill.snapshots.rejected").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    /** A verified version 1 is served; {@code bad} must leave it served and count {@code reason}. */
    private void assertRejected(byte[] bad, String reason) {
        swapper.onSnapshot("student", snapshot(1), 0);
        swapper.onSnapshot("student", bad, 1);

        assertThat(rejected(reason)).isEqualTo(1.0);
        assertThat(registry.current().version()).isEqualTo(1);
        assertThat(registry.state().heldVersions()).containsExactly(1L);
    }

    @Test
    void shouldSwapInAVerifiedNewerSnapshot() {
        swapper.onSnapshot("student", snapshot(1), 0);
        swapper.onSnapshot("student", snapshot(2), 1);

        assertThat(registry.current().version()).isEqualTo(2);
        assertThat(registry.current().copies()).isEqualTo(2);
        assertThat(metrics.registry().find("distill.hot.swaps").counter().count()).isEqualTo(2.0);
    }

    @Test
    void shouldRejectATamperedSnapshotAsBadSignature() {
        byte[] tampered = snapshot(2);
        // a byte of the manifest, which the signature covers (format 4: magic, version, length, then the manifest)
        tampered[9 + 3] ^= 1;
        assertRejected(tampered, "bad_signature");
    }

    @Test
    void shouldRejectASnapshotSignedWithAKeyItDoesNotTrust() {
        SnapshotCodec other = new SnapshotCodec(io.distillery.snapshot.SnapshotKeys.of(
            SnapshotFixtures.OTHER_SIGNING_PEM, SnapshotFixtures.OTHER_VERIFY_PEM, null));
        byte[] foreign = other.encode(io.distillery.snapshot.Snapshot.of(ServingFixtures.manifest(2, FEATURES, CLASSES),
            FakeNetwork.bytes("ok")));
        assertRejected(foreign, "untrusted_key");
    }

    @Test
    void shouldRejectGarbageAsCorrupt() {
        assertRejected("not a snapshot at all, just some text".getBytes(StandardCharsets.UTF_8), "corrupt");
    }

    @Test
    void shouldRejectModelBytesThatDoNotMatchTheManifestChecksum() {
        byte[] bytes = snapshot(2);
        // change the model ("fake:ok" -> "fake:oK") after the signed manifest: the checksum the manifest names catches it
        int modelEnd = bytes.length - 4; // an empty ONNX section: its length, 0, is all there is of it
        bytes[modelEnd - 1] = 'K';
        assertRejected(bytes, "checksum_mismatch");
    }

    @Test
    void shouldRejectAWrongShapeAgainstTheConfiguredFeaturesAndClasses() {
        assertRejected(snapshot(2, FEATURES + 1, CLASSES, "ok"), "wrong_shape");
    }

    @Test
    void shouldRejectAVersionNotNewerThanTheVerifiedOnes() {
        assertRejected(snapshot(1), "stale_version");
        swapper.onSnapshot("student", snapshot(0), 3);
        assertThat(rejected("stale_version")).isEqualTo(2.0);
    }

    @Test
    void shouldRejectModelBytesThatDoNotLoad() {
        assertRejected(snapshot(2, FEATURES, CLASSES, "unloadable"), "load_failed");
    }

    @Test
    void shouldRejectANetworkWhoseTestPredictionIsNotFinite() {
        assertRejected(snapshot(2, FEATURES, CLASSES, "nan"), "test_prediction_failed");
    }

    @Test
    void shouldRejectANetworkWhoseTestPredictionThrows() {
        assertRejected(snapshot(2, FEATURES, CLASSES, "throws"), "test_prediction_failed");
    }

    @Test
    void shouldAcceptAGoodSnapshotAfterARejectedOne() {
        swapper.onSnapshot("student", snapshot(1), 0);
        swapper.onSnapshot("student", snapshot(2, FEATURES, CLASSES, "nan"), 1);
        swapper.onSnapshot("student", snapshot(3), 2);

        assertThat(registry.current().version()).isEqualTo(3);
    }

    @Test
    void shouldIgnoreSnapshotsOfOtherModels() {
        swapper.onSnapshot("teacher", snapshot(1), 0);

        assertThat(registry.current()).isNull();
        assertThat(metrics.scrape()).doesNotContain("distill_snapshots_rejected_total{model=\"student\",reason=\"corrupt\",role=\"serve\"} 1.0");
    }
}
