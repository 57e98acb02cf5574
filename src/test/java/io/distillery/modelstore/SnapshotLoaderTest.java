package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.model.BrokenNetworks;
import io.distillery.model.Network;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class SnapshotLoaderTest {

    private static final NetworkSpec SPEC = new NetworkSpec(4, List.of(6), 3, "tanh", "adam", 1e-2, 5);
    private final SnapshotLoader loader = new SnapshotLoader();
    private final Network student = Network.student(SPEC, new DistillationSpec(1, 0.5));

    @Test
    void shouldLoadSnapshotThatPassesEveryCheck() throws Exception {
        Snapshot snapshot = Snapshot.of(SnapshotFixtures.manifest(4, 3), student.toBytes(false));

        Network loaded = loader.load(snapshot, 4, 3);

        float[][] row = {{0.5f, -1, 2, 0}};
        assertThat(loaded.logits(row)).isDeepEqualTo(student.logits(row));
    }

    @Test
    void shouldRejectSnapshotWhenManifestShapeDiffersFromExpected() {
        Snapshot snapshot = Snapshot.of(SnapshotFixtures.manifest(4, 3), student.toBytes(false));

        assertRejected(snapshot, 784, 10, Rejection.WRONG_SHAPE);
        assertRejected(snapshot, 4, 10, Rejection.WRONG_SHAPE);
    }

    @Test
    void shouldRejectSnapshotWhenNetworkShapeDiffersFromManifest() {
        Network wider = Network.student(new NetworkSpec(5, List.of(6), 3, "tanh", "adam", 1e-2, 5),
                new DistillationSpec(1, 0.5));
        Snapshot lying = Snapshot.of(SnapshotFixtures.manifest(4, 3), wider.toBytes(false));

        assertRejected(lying, 4, 3, Rejection.WRONG_SHAPE);
    }

    @Test
    void shouldRejectSnapshotWhenModelBytesAreCorrupt() {
        byte[] model = student.toBytes(false);

        assertRejected(Snapshot.of(SnapshotFixtures.manifest(4, 3), new byte[] {1, 2, 3}), 4, 3, Rejection.LOAD_FAILED);
        assertRejected(Snapshot.of(SnapshotFixtures.manifest(4, 3), Arrays.copyOf(model, model.length / 2)),
                4, 3, Rejection.LOAD_FAILED);
    }

    @Test
    void shouldRejectSnapshotWhoseTestPredictionIsNotFinite() {
        Snapshot snapshot = Snapshot.of(SnapshotFixtures.manifest(4, 3), BrokenNetworks.withNaNParameters(student));

        assertRejected(snapshot, 4, 3, Rejection.TEST_PREDICTION_FAILED);
    }

    private void assertRejected(Snapshot snapshot, int inputs, int outputs, Rejection reason) {
        assertThatThrownBy(() -> loader.load(snapshot, inputs, outputs))
                .isInstanceOfSatisfying(SnapshotException.class, e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
