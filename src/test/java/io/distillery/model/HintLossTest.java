package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.distillery.spec.NetworkSpec;
import io.distillery.testing.TrainedNetworks;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The hint loss and the projection that learns with it; double precision for the gradient check. */
@ExtendWith(DoublePrecision.class)
class HintLossTest {
    @Test
    void shouldPassGradientCheck() {
        INDArray hints = Nd4j.rand(DataType.DOUBLE, 4, 6).muli(2);

        assertThat(LossGradients.check(new HintLoss(0.7), 6, hints)).isTrue();
    }

    @Test
    void shouldScoreHalfTheWeightedSquaredDistancePerRowAndMaskRows() {
        INDArray r = Nd4j.createFromArray(new double[][] {{1, 2}, {0, 0}});
        INDArray h = Nd4j.createFromArray(new double[][] {{0, 4}, {3, 0}});
        HintLoss loss = new HintLoss(0.5);

        INDArray scores = loss.computeScoreArray(h, r, new ActivationIdentity(), null);
        INDArray masked = loss.computeGradient(h, r, new ActivationIdentity(), Nd4j.createFromArray(1.0, 0.0));

        assertThat(scores.getDouble(0)).isCloseTo(0.25 * (1 + 4), within(1e-12));
        assertThat(scores.getDouble(1)).isCloseTo(0.25 * 9, within(1e-12));
        assertThat(masked.toDoubleMatrix()).isDeepEqualTo(new double[][] {{0.5, -1}, {0, 0}});
        assertThatThrownBy(() -> new HintLoss(0)).hasMessageContaining("must be finite and > 0");
    }

    @Test
    void shouldPullTheStudentsProjectedHiddenLayerTowardsTheHint() {
        NetworkSpec spec = TrainedNetworks.spec(6, List.of(8), 3, "relu", 4);
        Network student = Network.student(spec, new io.distillery.spec.DistillationSpec(1, 0.5));
        float[][] x = TrainedNetworks.gaussianRows(16, 6, new Random(1));
        float[][] hint = TrainedNetworks.gaussianRows(16, 5, new Random(2));
        HintProjection projection = HintProjection.of(student, 5, 1.0);
        float[][] before = student.logits(x);

        double first = projection.step(student, x, hint);
        double last = first;
        for (int s = 0; s < 50; s++) {
            last = projection.step(student, x, hint);
        }

        assertThat(last).isLessThan(first / 2);
        assertThat(student.logits(x)).isNotEqualTo(before);
        assertThat(student.steps()).isZero();
        assertThatThrownBy(() -> projection.step(student, x, TrainedNetworks.gaussianRows(16, 4, new Random(3))))
            .hasMessageContaining("must have 5 values");
    }
}
