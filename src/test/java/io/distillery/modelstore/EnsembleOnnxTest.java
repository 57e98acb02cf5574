package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.config.Config;
import io.distillery.config.EnsembleSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.OnnxPredictor;
import io.distillery.model.Forward;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.TrainedNetworks;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The ensemble's ONNX graph computes the mean of its members' DL4J logits, within the gate's tolerance. */
class EnsembleOnnxTest {

    @Test
    void shouldComputeTheMeanOfTheMembersLogitsInOnnx() throws Exception {
        NetworkSpec a = TrainedNetworks.spec(12, List.of(16, 8), 4, "relu", 1);
        NetworkSpec b = TrainedNetworks.spec(12, List.of(6), 4, "leakyrelu", 2);
        Network ensemble = Network.ensemble(List.of(a, b));
        Network ta = TrainedNetworks.teacher(a, 0);
        Network tb = TrainedNetworks.teacher(b, 0);
        float[][] x = TrainedNetworks.gaussianRows(20, 12, new Random(7));
        int[] y = new int[20];
        for (int s = 0; s < 5; s++) {
            ensemble.fitHard(x, y);
            ta.fitHard(x, y);
            tb.fitHard(x, y);
        }

        float[][] onnx;
        try (OnnxPredictor predictor = new OnnxPredictor(OnnxExport.export(ensemble, Map.of()))) {
            onnx = predictor.logits(x);
        }

        float[][] za = ta.logits(x);
        float[][] zb = tb.logits(x);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 4; j++) {
                assertThat(onnx[i][j]).isCloseTo((za[i][j] + zb[i][j]) / 2, within((float) OnnxGate.TOLERANCE));
            }
        }
    }

    @Test
    void shouldGiveTheMembersLastHiddenLayersSideBySideAsDl4jDoes() throws Exception {
        Config config = Config.of(Map.of("teacher.ensemble", "2", "teacher.ensemble.hidden", "512,64;48"));
        List<NetworkSpec> specs = EnsembleSettings.from(config).specs(TeacherSettings.from(config).network());
        Network ensemble = Network.ensemble(specs);
        float[][] x = TrainedNetworks.gaussianRows(24, ensemble.inputs(), new Random(5));
        for (int s = 0; s < 3; s++) {
            ensemble.fitHard(x, new int[24]);
        }

        Forward onnx;
        try (OnnxPredictor predictor = new OnnxPredictor(OnnxExport.export(ensemble, Map.of()))) {
            assertThat(predictor.hiddenWidth()).isEqualTo(64 + 48);
            onnx = predictor.forward(x);
        }

        Forward dl4j = ensemble.forward(x);
        assertThat(dl4j.hidden()[0]).hasSize(64 + 48);
        for (int i = 0; i < x.length; i++) {
            for (int j = 0; j < 64 + 48; j++) {
                assertThat(onnx.hidden()[i][j]).as("row %d, value %d", i, j)
                    .isCloseTo(dl4j.hidden()[i][j], within((float) OnnxGate.TOLERANCE));
            }
            for (int j = 0; j < ensemble.outputs(); j++) {
                assertThat(onnx.logits()[i][j]).isCloseTo(dl4j.logits()[i][j], within((float) OnnxGate.TOLERANCE));
            }
        }
        OnnxGate.check(ensemble, OnnxExport.export(ensemble, Map.of()), "teacher-v1");
    }

    @Test
    void shouldPassTheGateWithThreeDefaultSizedMembers() throws Exception {
        Config config = Config.of(Map.of("teacher.ensemble", "3", "teacher.ensemble.hidden", "512,256;256"));
        List<NetworkSpec> specs = EnsembleSettings.from(config).specs(TeacherSettings.from(config).network());
        Network ensemble = Network.ensemble(specs);
        float[][] x = TrainedNetworks.gaussianRows(32, ensemble.inputs(), new Random(3));
        ensemble.fitHard(x, new int[32]);

        OnnxGate.check(ensemble, OnnxExport.export(ensemble, Map.of()), "teacher-v1");

        assertThat(specs).extracting(NetworkSpec::hidden).containsExactly(List.of(512, 256), List.of(256),
            List.of(512, 256));
        assertThat(specs).extracting(NetworkSpec::seed).containsExactly(1L, 2L, 3L);
    }
}
