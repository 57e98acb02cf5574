package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.OnnxPredictor;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.BrokenNetworks;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.OnnxGraphs;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.FakeClients;
import io.distillery.testing.TrainedNetworks;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.producer.MockProducer;
import org.assertj.core.api.AbstractThrowableAssert;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/** The equivalence gate on the default shapes, and the writer that refuses to publish past it. */
class OnnxGateTest {
    private static final Config CONFIG = Config.of(Map.of("kafka.bootstrap.servers", "mock:9092"));
    private static final SnapshotCodec CODEC = SnapshotFixtures.CODEC;

    /** Two teacher members of another shape each, 12 features and 4 classes. */
    private static final NetworkSpec MEMBER_A = TrainedNetworks.spec(12, List.of(16, 8), 4, "relu", 1);
    private static final NetworkSpec MEMBER_B = TrainedNetworks.spec(12, List.of(6), 4, "relu", 2);

    /**
     * The graph of the two members the other way round: the same mean logits, their hidden layers side by side in
     * the other order.
     */
    private static byte[] swappedMembersGraph() {
        return OnnxExport.export(Network.ensemble(List.of(MEMBER_B, MEMBER_A)), Map.of());
    }

    /** Asserts that {@code call} is refused with {@code reason}; the assertion goes on to the message. */
    private static AbstractThrowableAssert<?, ? extends Throwable> assertRefused(ThrowingCallable call,
                                                                                 Rejection reason) {
        return assertThatThrownBy(call).isInstanceOfSatisfying(SnapshotException.class,
            e -> assertThat(e.reason()).isEqualTo(reason));
    }

    /** A default-sized network after a few steps, so its weights are not those of the initialization. */
    private static Network trained(Network n) {
        SplittableRandom r = new SplittableRandom(3);
        float[][] x = new float[64][n.inputs()];
        int[] y = new int[64];
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < x[i].length; j++) {
                x[i][j] = (float) r.nextDouble();
            }
            y[i] = r.nextInt(n.outputs());
        }
        for (int k = 0; k < 5; k++) {
            n.fitHard(x, y);
        }
        return n;
    }

    @Test
    void shouldPassTheDefaultTeacherAndStudentWithinTheTolerance() throws Exception {
        Network teacher = trained(Network.teacher(TeacherSettings.from(Config.defaults()).network()));
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network student = trained(Network.student(ss.network(), ss.distillation()));

        OnnxGate.check(teacher, OnnxExport.export(teacher, Map.of()), "teacher-v1");
        OnnxGate.check(student, OnnxExport.export(student, Map.of()), "student-v1");
    }

    @Test
    void shouldOpenTheSessionItCheckedAndRefuseAsCheckDoes() throws Exception {
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network a = trained(Network.student(ss.network(), ss.distillation()));
        Network b = Network.student(ss.network().withSeed(77), ss.distillation());
        float[][] rows = OnnxGate.probe(a.inputs());

        try (OnnxPredictor session = OnnxGate.open(a, OnnxExport.export(a, Map.of()), "student-v4")) {
            float[][] expected = a.logits(rows);
            float[][] got = session.logits(rows);
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < expected[i].length; j++) {
                    assertThat((double) got[i][j]).isCloseTo(expected[i][j], within(OnnxGate.TOLERANCE));
                }
            }
        }
        assertRefused(() -> OnnxGate.open(a, OnnxExport.export(b, Map.of()), "student-v5"), Rejection.ONNX_MISMATCH);
    }

    @Test
    void shouldRefuseAGraphOfAnotherNetworkOrNoGraphAtAll() {
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network a = Network.student(ss.network(), ss.distillation());
        Network b = Network.student(ss.network().withSeed(77), ss.distillation());

        assertRefused(() -> OnnxGate.check(a, OnnxExport.export(b, Map.of()), "student-v2"), Rejection.ONNX_MISMATCH)
            .hasMessageContaining("student-v2").hasMessageContaining("differ");
        assertRefused(() -> OnnxGate.check(a, new byte[] {1, 2, 3}, "student-v3"), Rejection.ONNX_MISMATCH);
    }

    @Test
    void shouldRefuseAGraphWhoseHiddenOutputDiffersThoughItsLogitsAgree() throws Exception {
        Network ensemble = Network.ensemble(List.of(MEMBER_A, MEMBER_B));
        byte[] swapped = swappedMembersGraph();

        OnnxGate.check(ensemble, OnnxExport.export(ensemble, Map.of()), "teacher-v1");
        try (OnnxPredictor onnx = new OnnxPredictor(swapped)) {
            float[][] rows = OnnxGate.probe(12);
            float[][] logits = onnx.logits(rows);
            float[][] expected = ensemble.logits(rows);
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < 4; j++) {
                    assertThat((double) logits[i][j]).isCloseTo(expected[i][j], within(OnnxGate.TOLERANCE));
                }
            }
        }
        assertRefused(() -> OnnxGate.check(ensemble, swapped, "teacher-v2"), Rejection.ONNX_MISMATCH)
            .hasMessageContaining("teacher-v2: ONNX hidden output differs from the network's last hidden layer by ");
    }

    @Test
    void shouldPassATeacherGraphWrittenBeforeItHadAHiddenOutput() throws Exception {
        Network teacher = trained(Network.teacher(TeacherSettings.from(Config.defaults()).network()));
        byte[] old = OnnxGraphs.withoutHidden(OnnxExport.export(teacher, Map.of()));

        try (OnnxPredictor session = OnnxGate.open(teacher, old, "teacher-v5")) {
            assertThat(session.hasHidden()).isFalse();
        }
    }

    @Test
    void shouldCheckAGraphAgainstTheProbeOutputsItsWriterRecordedWithoutTheNetwork() throws Exception {
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network a = trained(Network.student(ss.network(), ss.distillation()));
        Network b = Network.student(ss.network().withSeed(77), ss.distillation());
        byte[] graph = OnnxExport.export(a, Map.of());
        SnapshotManifest signed = OnnxGate.check(a, graph, "student-v6")
            .recordIn(SnapshotFixtures.manifest(a.inputs(), a.outputs()));
        float[][] rows = OnnxGate.probe(a.inputs());

        assertThat(OnnxGate.canCheck(signed)).isTrue();
        assertThat(OnnxGate.canCheck(SnapshotFixtures.manifest(a.inputs(), a.outputs()))).isFalse();
        assertThat(signed.probeHidden()).as("a student's graph has no hidden output").isEmpty();
        try (OnnxPredictor session = OnnxGate.open(signed, graph)) {
            float[][] expected = a.logits(rows);
            float[][] got = session.logits(rows);
            for (int i = 0; i < rows.length; i++) {
                for (int j = 0; j < expected[i].length; j++) {
                    assertThat((double) got[i][j]).isCloseTo(expected[i][j], within(OnnxGate.TOLERANCE));
                }
            }
        }
        assertRefused(() -> OnnxGate.open(signed, OnnxExport.export(b, Map.of())), Rejection.ONNX_MISMATCH)
            .hasMessageContaining("logits differ from the network's");
        assertRefused(() -> OnnxGate.open(signed, new byte[] {1, 2, 3}), Rejection.ONNX_MISMATCH);
    }

    @Test
    void shouldRefuseProbeOutputsOfAnotherShapeOrNotFinite() {
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network a = Network.student(ss.network(), ss.distillation());
        byte[] graph = OnnxExport.export(a, Map.of());
        SnapshotManifest m = SnapshotFixtures.manifest(a.inputs(), a.outputs());
        float[][] nan = new float[16][a.outputs()];
        nan[3][1] = Float.NaN;
        SnapshotManifest fifteenRows = new ProbeOutputs(new float[15][a.outputs()], null).recordIn(m);

        assertRefused(() -> OnnxGate.open(fifteenRows, graph), Rejection.ONNX_MISMATCH)
            .hasMessageContaining("probeLogits are not 16 rows of " + a.outputs());
        assertRefused(() -> OnnxGate.open(new ProbeOutputs(nan, null).recordIn(m), graph),
            Rejection.TEST_PREDICTION_FAILED);
    }

    @Test
    void shouldRecordATeachersHiddenLayerAndCheckTheGraphsHiddenOutputAgainstIt() throws Exception {
        Network ensemble = Network.ensemble(List.of(MEMBER_A, MEMBER_B));
        byte[] graph = OnnxExport.export(ensemble, Map.of());
        byte[] swapped = swappedMembersGraph();
        ProbeOutputs recorded = OnnxGate.check(ensemble, graph, "teacher-v3");
        SnapshotManifest signed = recorded.recordIn(SnapshotFixtures.manifest(12, 4));

        assertThat(recorded.hidden()).isDeepEqualTo(ensemble.forward(OnnxGate.probe(12)).hidden());
        OnnxGate.open(signed, graph).close();
        assertRefused(() -> OnnxGate.open(signed, swapped), Rejection.ONNX_MISMATCH)
            .hasMessageContaining("hidden output differs");
        SnapshotManifest withoutHidden = signed.toBuilder().probe(signed.probeLogits(), "").build();
        assertRefused(() -> OnnxGate.open(withoutHidden, graph), Rejection.ONNX_MISMATCH)
            .hasMessageContaining("hidden output differs");
    }

    @Test
    void shouldPublishTheNetworkWithItsOnnxGraph() throws Exception {
        FakeClients clients = new FakeClients();
        MockProducer<byte[], byte[]> sink = clients.next(FakeClients.producer());
        MockProducer<byte[], byte[]> checkpoints = clients.next(FakeClients.producer());
        Network n = Network.student(StudentSettings.from(CONFIG).network(), StudentSettings.from(CONFIG).distillation());
        try (RoleMetrics metrics = new RoleMetrics("student");
             SnapshotWriter writer = new SnapshotWriter(CONFIG, clients, Topics.STUDENT_SNAPSHOTS,
                 Topics.STUDENT_CHECKPOINTS, "student", "student", CODEC, metrics, Clock.systemUTC())) {
            assertThat(writer.publish(n, 4, 2, Map.of())).isPresent();
        }
        Snapshot s = CODEC.decode(sink.history().get(0).value());
        assertThat(s.hasOnnx()).isTrue();
        OnnxGate.check(Network.fromBytes(s.modelBytes(), s.onnxBytes(), true), s.onnxBytes(), s.manifest().id());
        assertThat(ProbeOutputs.decode(s.manifest().probeLogits(), 16, n.outputs()))
            .as("the network's own logits on the probe batch, signed")
            .isDeepEqualTo(n.logits(OnnxGate.probe(n.inputs())));
        OnnxGate.open(s.manifest(), s.onnxBytes()).close();
    }

    @Test
    void shouldNotPublishASnapshotWhoseGraphFailsTheGateAndCountIt() {
        FakeClients clients = new FakeClients();
        MockProducer<byte[], byte[]> sink = clients.next(FakeClients.producer());
        MockProducer<byte[], byte[]> checkpoints = clients.next(FakeClients.producer());
        StudentSettings ss = StudentSettings.from(CONFIG);
        Network n = Network.student(ss.network(), ss.distillation());
        Network other = Network.student(ss.network().withSeed(5), ss.distillation());
        try (RoleMetrics metrics = new RoleMetrics("student");
             SnapshotWriter writer = new SnapshotWriter(CONFIG, clients, Topics.STUDENT_SNAPSHOTS,
                 Topics.STUDENT_CHECKPOINTS, "student", "student", CODEC, metrics, Clock.systemUTC(), (net, m) -> OnnxExport.export(other, Map.of()))) {
            assertThat(writer.publish(n, 4, 2, Map.of())).isEmpty();
            assertThat(metrics.registry().get("distill.snapshots.rejected").tag("reason", "onnx_mismatch")
                .counter().count()).isEqualTo(1.0);
        }
        assertThat(sink.history()).isEmpty();
        assertThat(checkpoints.history()).isEmpty();
    }

    @Test
    void shouldNotPublishASnapshotWithNonFiniteWeightsWhoseLogitsAreFinite() {
        FakeClients clients = new FakeClients();
        MockProducer<byte[], byte[]> sink = clients.next(FakeClients.producer());
        MockProducer<byte[], byte[]> checkpoints = clients.next(FakeClients.producer());
        StudentSettings ss = StudentSettings.from(CONFIG);
        Network n = BrokenNetworks.withNegativeInfiniteHiddenBias(Network.student(ss.network(), ss.distillation()));
        for (float[] row : n.logits(OnnxGate.probe(n.inputs()))) {
            assertThat(LogitMath.firstNonFinite(row)).as("logits stay finite").isNegative();
        }
        try (RoleMetrics metrics = new RoleMetrics("student");
             SnapshotWriter writer = new SnapshotWriter(CONFIG, clients, Topics.STUDENT_SNAPSHOTS,
                 Topics.STUDENT_CHECKPOINTS, "student", "student", CODEC, metrics, Clock.systemUTC())) {
            assertThat(writer.publish(n, 4, 2, Map.of())).isEmpty();
            assertThat(metrics.registry().get("distill.snapshots.rejected").tag("reason", "non_finite_weights")
                .counter().count()).isEqualTo(1.0);
        }
        assertThat(sink.history()).isEmpty();
        assertThat(checkpoints.history()).isEmpty();
    }
}
