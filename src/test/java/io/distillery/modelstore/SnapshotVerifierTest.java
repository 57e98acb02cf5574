package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.distillery.inference.OnnxPredictor;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.BrokenNetworks;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The one verification path, on real DL4J networks. */
class SnapshotVerifierTest {
    private static final NetworkSpec SPEC = new NetworkSpec(4, List.of(6), 3, "tanh", "adam", 1e-2, 5);
    private static final SnapshotCodec CODEC = SnapshotFixtures.CODEC;

    private final RoleMetrics metrics = new RoleMetrics();
    private final Network student = Network.student(SPEC, new DistillationSpec(1, 0.5));
    private final SnapshotVerifier<CheckedNetwork> verifier = verifier(4, 3);
    private final List<Long> used = new ArrayList<>();

    @AfterEach
    void close() {
        metrics.close();
    }

    private SnapshotVerifier<CheckedNetwork> verifier(int inputs, int outputs) {
        return SnapshotVerifier.ofNetworks("student", inputs, outputs, CODEC, metrics, "student");
    }

    private static byte[] encoded(long version, byte[] model) {
        var manifest = SnapshotFixtures.manifest(4, 3).toBuilder().version(version).build();
        return CODEC.encode(Snapshot.of(manifest, model));
    }

    private double rejected(String reason) {
        var c = metrics.registry().find("distill.snapshots.rejected").tag("reason", reason).counter();
        return c == null ? 0 : c.count();
    }

    @Test
    void shouldLoadASnapshotThatPassesEveryCheck() throws Exception {
        Network loaded = verifier.verify(encoded(7, student.toBytes(false)), -1).model().network();

        float[][] row = {{0.5f, -1, 2, 0}};
        assertThat(loaded.logits(row)).isDeepEqualTo(student.logits(row));
    }

    @Test
    void shouldRestoreTheUpdaterStateForAResumingReaderButNotForAPredictingOne() throws Exception {
        float[][] rows = {{0.5f, -1, 2, 0}, {1, 0, -0.5f, 0.25f}};
        int[] labels = {2, 0};
        student.fitHard(rows, labels);
        byte[] message = encoded(7, student.toBytes(true));

        Network resumed = verifier.verify(message, -1).model().network();
        Network predicting = SnapshotVerifier.ofPredictingNetworks("student", 4, 3, CODEC, metrics, "student")
            .verify(message, -1).model().network();

        assertThat(predicting.logits(rows)).isDeepEqualTo(student.logits(rows));
        student.fitHard(rows, labels);
        resumed.fitHard(rows, labels);
        predicting.fitHard(rows, labels);
        // the restored Adam state takes the writer's next step; a fresh one takes another
        assertThat(resumed.logits(rows)).isDeepEqualTo(student.logits(rows));
        assertThat(predicting.logits(rows)).isNotEqualTo(student.logits(rows));
    }

    @Test
    void shouldRejectWhenTheManifestShapeDiffersFromTheExpectedOne() {
        assertRejected(verifier(784, 10), encoded(7, student.toBytes(false)), Rejection.WRONG_SHAPE);
        assertRejected(verifier(4, 10), encoded(7, student.toBytes(false)), Rejection.WRONG_SHAPE);
    }

    @Test
    void shouldRejectWhenTheNetworkShapeDiffersFromTheManifest() {
        Network wider = Network.student(new NetworkSpec(5, List.of(6), 3, "tanh", "adam", 1e-2, 5),
            new DistillationSpec(1, 0.5));

        assertRejected(verifier, encoded(7, wider.toBytes(false)), Rejection.WRONG_SHAPE);
    }

    @Test
    void shouldRejectModelBytesThatDoNotLoad() {
        byte[] model = student.toBytes(false);

        assertRejected(verifier, encoded(7, new byte[] {1, 2, 3}), Rejection.LOAD_FAILED);
        assertRejected(verifier, encoded(7, Arrays.copyOf(model, model.length / 2)), Rejection.LOAD_FAILED);
    }

    @Test
    void shouldRejectANetworkWhoseTestPredictionIsNotFinite() {
        assertRejected(verifier, encoded(7, BrokenNetworks.withNaNParameters(student)), Rejection.TEST_PREDICTION_FAILED);
    }

    @Test
    void shouldRejectANetworkWithNonFiniteWeightsWhoseLogitsAreFinite() {
        assertRejected(verifier, encoded(7, BrokenNetworks.withNegativeInfiniteHiddenBias(student).toBytes(false)),
            Rejection.NON_FINITE_WEIGHTS);
    }

    @Test
    void shouldRejectAVersionNotNewerThanTheOneHeld() {
        assertRejected(verifier, encoded(7, student.toBytes(false)), 7, Rejection.STALE_VERSION);
    }

    @Test
    void shouldHandTheSinkOnlyVerifiedSnapshotsOfItsModelAndCountEachRefusal() {
        var listener = verifier.listener(() -> used.isEmpty() ? -1 : used.get(used.size() - 1), v -> {
            used.add(v.version());
            return true;
        });

        listener.onSnapshot("student", encoded(1, student.toBytes(false)), 0);
        listener.onSnapshot("teacher", encoded(2, student.toBytes(false)), 1);
        listener.onSnapshot("student", encoded(2, new byte[] {1}), 2);
        listener.onSnapshot("student", encoded(1, student.toBytes(false)), 3);
        listener.onSnapshot("student", encoded(3, student.toBytes(false)), 4);

        assertThat(used).containsExactly(1L, 3L);
        assertThat(rejected("load_failed")).isEqualTo(1.0);
        assertThat(rejected("stale_version")).isEqualTo(1.0);
    }

    @Test
    void shouldCountARefusalOfTheSinkItself() {
        verifier.offer("student", encoded(1, student.toBytes(false)), 0, -1, v -> {
            throw new SnapshotException(Rejection.STALE_VERSION, "a newer one came first");
        });

        assertThat(rejected("stale_version")).isEqualTo(1.0);
    }

    @Test
    void shouldExportAVersionOneSnapshotToOnnxOnLoadAndCheckItEqual() throws Exception {
        CheckedNetwork loaded = verifier.verify(encoded(7, student.toBytes(false)), -1).model();

        try (OnnxPredictor onnx = new OnnxPredictor(loaded.onnx())) {
            float[][] rows = {{0.5f, -1, 2, 0}, {0, 0, 0, 1}};
            float[][] expected = student.logits(rows);
            float[][] actual = onnx.logits(rows);
            for (int i = 0; i < rows.length; i++) {
                assertThat(actual[i]).containsExactly(expected[i], within(1e-4f));
            }
        }
    }

    @Test
    void shouldLoadTheSnapshotsOwnOnnxGraphWhenItMatches() throws Exception {
        byte[] onnx = OnnxExport.export(student, java.util.Map.of("model", "student"));
        var manifest = SnapshotFixtures.manifest(4, 3).toBuilder().version(7).build();
        byte[] encoded = CODEC.encode(Snapshot.of(manifest, student.toBytes(false), onnx));

        assertThat(verifier.verify(encoded, -1).model().onnx()).isEqualTo(onnx);
    }

    @Test
    void shouldRefuseASignedSnapshotWhoseOnnxGraphComputesSomethingElse() {
        Network other = Network.student(new NetworkSpec(4, List.of(6), 3, "tanh", "adam", 1e-2, 99),
            new DistillationSpec(1, 0.5));
        byte[] foreignOnnx = OnnxExport.export(other, java.util.Map.of());
        var manifest = SnapshotFixtures.manifest(4, 3).toBuilder().version(7).build();
        // properly signed and checksummed: only the gate can tell the graph from the network
        byte[] encoded = CODEC.encode(Snapshot.of(manifest, student.toBytes(false), foreignOnnx));

        assertRejected(verifier, encoded, Rejection.ONNX_MISMATCH);
        verifier.offer("student", encoded, 0, -1, v -> true);
        assertThat(rejected("onnx_mismatch")).isEqualTo(1.0);
    }

    @Test
    void shouldRefuseAProperlySignedTeacherSnapshotOfTheSameShapeUnderTheStudentsKey() {
        Network teacher = Network.teacher(SPEC);
        for (var manifest : List.of(
            SnapshotFixtures.manifest(4, 3).toBuilder().version(7).model("teacher").role("teacher").build(),
            SnapshotFixtures.manifest(4, 3).toBuilder().version(7).role("teacher").build(),
            SnapshotFixtures.manifest(4, 3).toBuilder().version(7).model("teacher").build())) {
            byte[] encoded = CODEC.encode(Snapshot.of(manifest, teacher.toBytes(false)));

            assertRejected(verifier, encoded, Rejection.WRONG_MODEL);
            assertThat(verifier.offer("student", encoded, 0, -1, v -> true)).isFalse();
        }
        assertThat(rejected("wrong_model")).isEqualTo(3.0);
    }

    private static void assertRejected(SnapshotVerifier<CheckedNetwork> v, byte[] encoded, Rejection reason) {
        assertRejected(v, encoded, -1, reason);
    }

    private static void assertRejected(SnapshotVerifier<CheckedNetwork> v, byte[] encoded, long newest,
                                       Rejection reason) {
        assertThatThrownBy(() -> v.verify(encoded, newest))
            .isInstanceOfSatisfying(SnapshotException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
