package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.spec.NetworkSpec;
import java.util.List;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/** Runs in double precision, which the gradient check needs; the defaults are restored after. */
@ExtendWith(DoublePrecision.class)
class DistillationLossTest {
    private static final int CLASSES = 3;

    // Rows 0 and 2 are labeled (classes 1 and 0), rows 1 and 3 are not.
    private static final double[][] TEACHER = {{2.0, -1.0, 0.5}, {0.1, 0.2, -0.3}, {-1.5, 3.0, 0.0}, {1.0, 1.0, 1.2}};
    private static final int[] LABELS = {1, -1, 0, -1};
    private static final double[][] STUDENT = {{0.3, 0.9, -0.4}, {1.1, -0.2, 0.0}, {0.0, 2.0, -1.0}, {-0.5, 0.25, 0.7}};

    @Test
    void shouldPassGradientCheckOnMixedLabeledAndUnlabeledRows() {
        assertThat(LossGradients.check(new DistillationLoss(2.0, 0.3), CLASSES, labels(TEACHER, LABELS))).isTrue();
    }

    @Test
    void shouldEqualSoftmaxCrossEntropyWhenAlphaIsZeroAndRowsAreLabeled() {
        int[] labels = {1, 2, 0, 2};
        INDArray z = Nd4j.create(STUDENT);
        INDArray ours = labels(TEACHER, labels);
        INDArray oneHot = ours.get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(CLASSES, 2 * CLASSES));
        DistillationLoss loss = new DistillationLoss(3.0, 0.0);
        LossMCXENT reference = new LossMCXENT();

        assertThat(loss.computeScore(ours, z, new ActivationIdentity(), null, true))
                .isCloseTo(reference.computeScore(oneHot, z.dup(), new ActivationSoftmax(), null, true),
                        within(1e-12));
        INDArray gradient = loss.computeGradient(ours, z, new ActivationIdentity(), null);
        INDArray expected = reference.computeGradient(oneHot, z.dup(), new ActivationSoftmax(), null);
        assertThat(gradient.equalsWithEps(expected, 1e-12)).as("%s vs %s", gradient, expected).isTrue();
    }

    @Test
    void shouldGiveUnlabeledRowTheScaledKlOfLogitMath() {
        double t = 2.5;
        INDArray scores = new DistillationLoss(t, 0.4)
                .computeScoreArray(labels(TEACHER, LABELS), Nd4j.create(STUDENT), new ActivationIdentity(), null);

        double kl = LogitMath.kl(floats(TEACHER[1]), floats(STUDENT[1]), t);
        assertThat(kl).isPositive();
        assertThat(scores.getDouble(1, 0)).isCloseTo(t * t * kl, within(1e-6));
    }

    @Test
    void shouldScaleSoftTermByTemperatureSquared() {
        int[] unlabeled = {-1, -1, -1, -1};
        for (double t : List.of(1.0, 2.0, 4.0)) {
            double score = new DistillationLoss(t, 0.5).computeScore(labels(TEACHER, unlabeled),
                    Nd4j.create(STUDENT), new ActivationIdentity(), null, false);
            double kl = 0;
            for (int i = 0; i < TEACHER.length; i++) {
                kl += LogitMath.kl(floats(TEACHER[i]), floats(STUDENT[i]), t);
            }
            assertThat(score / kl).isCloseTo(t * t, within(1e-5));
        }
    }

    @Test
    void shouldWeighLabeledRowByAlpha() {
        double t = 2.0;
        double alpha = 0.3;
        INDArray scores = new DistillationLoss(t, alpha)
                .computeScoreArray(labels(TEACHER, LABELS), Nd4j.create(STUDENT), new ActivationIdentity(), null);

        double kl = LogitMath.kl(floats(TEACHER[0]), floats(STUDENT[0]), t);
        double ce = -LogitMath.logSoftmax(floats(STUDENT[0]), 1)[LABELS[0]];
        assertThat(scores.getDouble(0, 0)).isCloseTo(alpha * t * t * kl + (1 - alpha) * ce, within(1e-6));
    }

    @Test
    void shouldSurviveConfigJsonRoundTrip() {
        MultiLayerConfiguration conf = Network.configuration(NetworkSpec.of(5, List.of(4), CLASSES),
                new DistillationLoss(2.0, 0.7), DataType.FLOAT);

        MultiLayerConfiguration restored = MultiLayerConfiguration.fromJson(conf.toJson());

        assertThat(restored).isEqualTo(conf);
        assertThat(((OutputLayer) restored.getConf(1).getLayer()).getLossFn())
                .isEqualTo(new DistillationLoss(2.0, 0.7));
    }

    static INDArray labels(double[][] teacher, int[] labels) {
        double[][] rows = new double[teacher.length][2 * CLASSES];
        for (int i = 0; i < teacher.length; i++) {
            System.arraycopy(teacher[i], 0, rows[i], 0, CLASSES);
            if (labels[i] >= 0) {
                rows[i][CLASSES + labels[i]] = 1;
            }
        }
        return Nd4j.create(rows);
    }

    private static float[] floats(double[] row) {
        float[] out = new float[row.length];
        for (int i = 0; i < row.length; i++) {
            out[i] = (float) row[i];
        }
        return out;
    }
}
