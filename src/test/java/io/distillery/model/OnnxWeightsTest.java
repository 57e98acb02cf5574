package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Networks whose bytes leave the weights to their ONNX graph ({@link Network#toBytesWithoutWeights}). */
class OnnxWeightsTest {
    private static final int FEATURES = 8;
    private static final int CLASSES = 3;
    private static final NetworkSpec TEACHER =
        new NetworkSpec(FEATURES, List.of(32, 16), CLASSES, "leakyrelu", "adam", 1e-2, 1);
    private static final NetworkSpec STUDENT = new NetworkSpec(FEATURES, List.of(8), CLASSES, "tanh", "adam", 1e-2, 2);
    private static final DistillationSpec KD = new DistillationSpec(2, 0.5);

    private final SyntheticBlobs data = new SyntheticBlobs(128, FEATURES, CLASSES, 1);

    @Test
    void shouldRestoreAStudentWithExactlyTheWeightsOfItsGraph() {
        Network student = Network.student(STUDENT, KD);
        student.fitDistill(data.x, Network.teacher(TEACHER).logits(data.x), data.y);
        byte[] bytes = student.toBytesWithoutWeights();

        Network restored = Network.fromBytes(bytes, graph(student), false);

        assertThat(restored.dl4j().params().toFloatVector()).isEqualTo(student.dl4j().params().toFloatVector());
        assertThat(restored.logits(data.x)).isDeepEqualTo(student.logits(data.x));
        assertThat(restored.isStudent()).isTrue();
        assertThat(restored.distillation()).isEqualTo(student.distillation());
        assertThat(restored.steps()).isEqualTo(1);
        assertThat(bytes.length).as("configuration and properties, no arrays")
            .isLessThanOrEqualTo(student.toBytes(false).length - 4 * (int) student.dl4j().numParams());
        assertThat(restored.fitDistill(data.x, student.logits(data.x), data.y)).isFinite();
    }

    @Test
    void shouldRestoreATeacherAndAnEnsembleFromTheirGraphs() {
        Network teacher = Network.teacher(TEACHER);
        teacher.fitHard(data.x, data.y);
        Network ensemble = Network.ensemble(List.of(TEACHER, TEACHER.withSeed(7)));
        ensemble.fitHard(data.x, data.y);

        Network plain = Network.fromBytes(teacher.toBytesWithoutWeights(), graph(teacher), true);
        Network members = Network.fromBytes(ensemble.toBytesWithoutWeights(), graph(ensemble), true);

        assertThat(plain.forward(data.x).hidden()).isDeepEqualTo(teacher.forward(data.x).hidden());
        assertThat(plain.logits(data.x)).isDeepEqualTo(teacher.logits(data.x));
        assertThat(members.isEnsemble()).isTrue();
        assertThat(members.logits(data.x)).isDeepEqualTo(ensemble.logits(data.x));
        assertThat(members.members().get(1).logits(data.x)).isDeepEqualTo(ensemble.members().get(1).logits(data.x));
    }

    @Test
    void shouldIgnoreTheGraphWhenTheBytesCarryTheirOwnWeights() {
        Network student = Network.student(STUDENT, KD);
        Network other = Network.student(STUDENT.withSeed(5), KD);

        Network restored = Network.fromBytes(student.toBytes(false), graph(other), false);

        assertThat(restored.logits(data.x)).isDeepEqualTo(student.logits(data.x));
    }

    @Test
    void shouldRefuseWeightsThatAreNotInTheGraph() {
        Network student = Network.student(STUDENT, KD);
        byte[] bytes = student.toBytesWithoutWeights();
        Network wider = Network.student(new NetworkSpec(FEATURES, List.of(9), CLASSES, "tanh", "adam", 1e-2, 2), KD);
        Network shallower = Network.student(new NetworkSpec(FEATURES, List.of(), CLASSES, "tanh", "adam", 1e-2, 2), KD);

        assertThatThrownBy(() -> Network.fromBytes(bytes, null, false))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("weights are in its ONNX graph, and there is none");
        assertThatThrownBy(() -> Network.fromBytes(bytes, graph(wider), false))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("ONNX initializer W0 is [8, 9] of type 1; the network's parameter is float [8, 8]");
        assertThatThrownBy(() -> Network.fromBytes(bytes, graph(shallower), false))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("ONNX initializer W0 is [8, 3]");
        assertThatThrownBy(() -> Network.fromBytes(bytes, new byte[] {8, 1, 18, 3, 1, 2}, false))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("not an ONNX model");
        assertThatThrownBy(() -> Network.fromBytes(Network.ensemble(List.of(TEACHER, TEACHER)).toBytesWithoutWeights(),
            graph(Network.teacher(TEACHER)), false))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("the ONNX graph has no initializer m0_W0");
    }

    private static byte[] graph(Network network) {
        return OnnxExport.export(network, Map.of());
    }
}
