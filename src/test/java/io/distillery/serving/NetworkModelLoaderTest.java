package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.CLASSES;
import static io.distillery.serving.ServingFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.distillery.inference.Engine;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.modelstore.OnnxGate;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * How serving checks a snapshot's graph per engine: {@code onnx} against the probe outputs its writer signed into
 * the manifest, without restoring the network; {@code dl4j}, and {@code onnx} for a manifest without probe
 * outputs, against the restored network.
 */
class NetworkModelLoaderTest {
    private static final float[][] ROWS = {{0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f}, new float[FEATURES]};
    private static final Network A = student(1);
    private static final Network B = student(2);

    private static Network student(long seed) {
        return Network.student(new NetworkSpec(FEATURES, List.of(16), CLASSES, "relu", "adam", 1e-2, seed),
            new DistillationSpec(1, 0.5));
    }

    /** A snapshot of {@code network}'s bytes, {@code graphOf}'s graph and, when given, {@code probeOf}'s probe outputs. */
    private static Snapshot snapshot(Network network, Network graphOf, Network probeOf) throws SnapshotException {
        SnapshotManifest m = ServingFixtures.manifest(3, FEATURES, CLASSES);
        byte[] graph = OnnxExport.export(graphOf, Map.of());
        if (probeOf != null) {
            m = OnnxGate.check(probeOf, OnnxExport.export(probeOf, Map.of()), m.id()).recordIn(m);
        }
        return Snapshot.of(m, network.toBytes(false), graph);
    }

    private static void assertAnswersOf(Network expected, ServingNetwork served) {
        float[][] want = expected.logits(ROWS);
        float[][] got = served.logits(ROWS);
        for (int i = 0; i < ROWS.length; i++) {
            for (int j = 0; j < CLASSES; j++) {
                assertThat((double) got[i][j]).isCloseTo(want[i][j], within(1e-5));
            }
        }
    }

    private static void assertMismatch(Engine engine, Snapshot snapshot) {
        assertThatThrownBy(() -> new NetworkModelLoader(engine).load(snapshot))
            .isInstanceOfSatisfying(SnapshotException.class,
                e -> assertThat(e.reason()).isEqualTo(Rejection.ONNX_MISMATCH));
    }

    @Test
    void shouldServeAWritersSnapshotOnEitherEngine() throws Exception {
        Snapshot written = snapshot(A, A, A);

        for (Engine engine : Engine.values()) {
            try (ServingNetwork served = new NetworkModelLoader(engine).load(written)) {
                assertAnswersOf(A, served);
                assertThat(served.onnx()).isEqualTo(written.onnxBytes());
                assertThat(served.platform()).isEqualTo(engine == Engine.ONNX ? "onnxruntime_onnx" : "distillery_dl4j");
                assertThat(served.copy().platform()).isEqualTo(served.platform());
            }
        }
    }

    @Test
    void shouldRefuseOnOnnxAGraphThatDoesNotComputeTheSignedProbeOutputs() throws Exception {
        assertMismatch(Engine.ONNX, snapshot(A, B, A));
    }

    @Test
    void shouldCheckOnOnnxTheGraphAgainstTheManifestAndOnDl4jAgainstTheNetwork() throws Exception {
        // Never written by a writer (it checks its graph against its network before signing), but it shows what
        // each engine compares: the onnx reader does not restore the network at all.
        Snapshot graphAndProbeOfB = snapshot(A, B, B);

        try (ServingNetwork served = new NetworkModelLoader(Engine.ONNX).load(graphAndProbeOfB)) {
            assertAnswersOf(B, served);
        }
        assertMismatch(Engine.DL4J, graphAndProbeOfB);
    }

    @Test
    void shouldServeOnOnnxAGraphWithoutTheNetworkSectionAndRefuseItOnDl4j() throws Exception {
        // No writer leaves the network out; the serving benchmark does (--onnx-only-snapshots), to measure what that
        // section's bytes cost an onnx reader, which never loads them.
        Snapshot full = snapshot(A, A, A);
        Snapshot graphOnly = Snapshot.of(full.manifest(), new byte[0], full.onnxBytes());

        try (ServingNetwork served = new NetworkModelLoader(Engine.ONNX).load(graphOnly)) {
            assertAnswersOf(A, served);
        }
        assertThatThrownBy(() -> new NetworkModelLoader(Engine.DL4J).load(graphOnly))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no network bytes");
    }

    @Test
    void shouldCheckOnOnnxASnapshotWrittenBeforeProbeOutputsAgainstItsNetwork() throws Exception {
        try (ServingNetwork served = new NetworkModelLoader(Engine.ONNX).load(snapshot(A, A, null))) {
            assertAnswersOf(A, served);
        }
        assertMismatch(Engine.ONNX, snapshot(A, B, null));
    }
}
