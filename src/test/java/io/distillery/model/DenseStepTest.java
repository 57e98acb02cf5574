package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.List;
import java.util.SplittableRandom;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * {@link DenseStep} against DL4J's own {@code MultiLayerNetwork.fit}: two copies of one network, one trained by
 * each, on the same batches, must keep the same weights, optimizer state, iteration count and loss.
 */
class DenseStepTest {
    private static final int INPUTS = 12;
    private static final int OUTPUTS = 4;
    private static final int ROWS = 16;
    private static final int STEPS = 40;
    /** Float rounding of Adam's arithmetic in Java and in DL4J's op differs in the last bits. */
    private static final double TOLERANCE = 1e-5;
    /**
     * After a reset of the optimizer state Adam divides each first moment by the root of a second moment built
     * from a few gradients, so a weight whose gradient is a sum that cancels to almost zero moves by an
     * lr-sized step whose sign and size follow the rounding of that sum: the two ways' weights then part by
     * about 1e-4 of the largest weight. Ignoring the learning rate change would part them by about 0.7.
     */
    private static final double TOLERANCE_AFTER_RESET = 1e-3;

    @ParameterizedTest(name = "{0} {1} {2}")
    @CsvSource({
        "relu, adam, 8",
        "relu, adam, 8 6",
        "tanh, adam, 8",
        "sigmoid, adam, 8 6",
        "leakyrelu, adam, 8",
        "relu, sgd, 8 6",
        "relu, nesterovs, 8",
    })
    void shouldTrainATeacherAsDl4jFitDoes(String activation, String updater, String hidden) {
        Network ours = Network.teacher(spec(activation, updater, hidden));
        MultiLayerNetwork theirs = ours.copy().dl4j();
        SplittableRandom random = new SplittableRandom(7);
        for (int s = 0; s < STEPS; s++) {
            float[][] x = rows(random, ROWS);
            int[] y = labels(random, ROWS, false);
            double loss = ours.fitHard(x, y);
            theirs.fit(Batches.features(x, INPUTS), Batches.targets(ROWS, null, y, OUTPUTS));
            assertThat(loss).as("loss of step %d", s).isCloseTo(theirs.score(), relative(theirs.score()));
        }
        assertSame(ours.dl4j(), theirs);
    }

    /** Batches of 1 to 40 rows, as a student's batches of fresh records vary: the step's workspace grows. */
    @Test
    void shouldDistillAsDl4jFitDoesWithUnlabeledRowsAndBatchesOfAnySize() {
        Network ours = Network.student(spec("relu", "adam", "8"), new DistillationSpec(4, 0.3));
        MultiLayerNetwork theirs = ours.copy().dl4j();
        SplittableRandom random = new SplittableRandom(11);
        for (int s = 0; s < STEPS; s++) {
            int n = 1 + random.nextInt(40);
            float[][] x = rows(random, n);
            float[][] teacher = logits(random, n);
            int[] y = labels(random, n, true);
            double loss = ours.fitDistill(x, teacher, y);
            theirs.fit(Batches.features(x, INPUTS), Batches.targets(n, teacher, y, OUTPUTS));
            assertThat(loss).as("loss of step %d", s).isCloseTo(theirs.score(), relative(theirs.score()));
        }
        assertSame(ours.dl4j(), theirs);
    }

    /** The hint projection's network: the student's hidden layers and a projection trained on {@link HintLoss}. */
    @Test
    void shouldTrainTheHintProjectionAsDl4jFitDoes() {
        NetworkSpec shape = spec("relu", "adam", "8");
        MultiLayerNetwork ours = new MultiLayerNetwork(Network.configuration(shape, new HintLoss(0.5),
            org.nd4j.linalg.api.buffer.DataType.FLOAT));
        ours.init();
        MultiLayerNetwork theirs = ours.clone();
        DenseStep step = DenseStep.of(ours);
        SplittableRandom random = new SplittableRandom(13);
        for (int s = 0; s < STEPS; s++) {
            float[][] x = rows(random, ROWS);
            float[][] hidden = logits(random, ROWS);
            double loss = step.fitTargets(x, hidden);
            theirs.fit(Batches.features(x, INPUTS), Batches.features(hidden, OUTPUTS));
            assertThat(loss).as("loss of step %d", s).isCloseTo(theirs.score(), relative(theirs.score()));
        }
        assertSame(ours, theirs);
    }

    @Test
    void shouldFollowLearningRateChangesAndResets() {
        Network ours = Network.teacher(spec("relu", "adam", "8 6"));
        Network twin = ours.copy();
        MultiLayerNetwork theirs = twin.dl4j();
        SplittableRandom random = new SplittableRandom(3);
        for (int s = 0; s < STEPS; s++) {
            if (s == 10) {
                ours.setLearningRate(0.05);
                twin.setLearningRate(0.05);
            }
            if (s == 25) {
                ours.resetUpdaterState();
                twin.resetUpdaterState();
            }
            float[][] x = rows(random, ROWS);
            int[] y = labels(random, ROWS, false);
            ours.fitHard(x, y);
            theirs.fit(Batches.features(x, INPUTS), Batches.targets(ROWS, null, y, OUTPUTS));
        }
        assertSame(ours.dl4j(), theirs, TOLERANCE_AFTER_RESET);
        assertThat(ours.learningRate()).isEqualTo(0.05);
    }

    @Test
    void shouldContinueANetworkReadBackWithoutItsOptimizerState() {
        Network trained = Network.teacher(spec("relu", "adam", "8"));
        SplittableRandom random = new SplittableRandom(5);
        for (int s = 0; s < 5; s++) {
            trained.fitHard(rows(random, ROWS), labels(random, ROWS, false));
        }
        Network ours = Network.fromBytes(trained.toBytes(false));
        MultiLayerNetwork theirs = Network.fromBytes(trained.toBytes(false)).dl4j();
        for (int s = 0; s < STEPS; s++) {
            float[][] x = rows(random, ROWS);
            int[] y = labels(random, ROWS, false);
            ours.fitHard(x, y);
            theirs.fit(Batches.features(x, INPUTS), Batches.targets(ROWS, null, y, OUTPUTS));
        }
        assertSame(ours.dl4j(), theirs);
    }

    private static void assertSame(MultiLayerNetwork ours, MultiLayerNetwork theirs) {
        assertSame(ours, theirs, TOLERANCE);
    }

    private static void assertSame(MultiLayerNetwork ours, MultiLayerNetwork theirs, double tolerance) {
        assertThat(ours.getIterationCount()).isEqualTo(theirs.getIterationCount());
        assertClose("weights", ours.params(), theirs.params(), tolerance);
        assertClose("optimizer state", ours.getUpdater().getStateViewArray(), theirs.getUpdater().getStateViewArray(),
            tolerance);
    }

    private static void assertClose(String what, INDArray ours, INDArray theirs, double tolerance) {
        if (ours == null || theirs == null) {
            assertThat(ours).as(what).isNull();
            assertThat(theirs).as(what).isNull();
            return;
        }
        double scale = Math.max(1e-3, theirs.amaxNumber().doubleValue());
        double diff = ours.reshape(theirs.length()).sub(theirs.reshape(theirs.length())).amaxNumber().doubleValue();
        assertThat(diff).as("largest difference of the %s (largest value %s)", what, scale)
            .isLessThanOrEqualTo(tolerance * scale);
    }

    private static org.assertj.core.data.Offset<Double> relative(double value) {
        return org.assertj.core.data.Offset.offset(TOLERANCE * Math.max(1, Math.abs(value)));
    }

    private static NetworkSpec spec(String activation, String updater, String hidden) {
        List<Integer> widths = java.util.Arrays.stream(hidden.split(" ")).map(Integer::valueOf).toList();
        return new NetworkSpec(INPUTS, widths, OUTPUTS, activation, updater, 1e-2, 42);
    }

    private static float[][] rows(SplittableRandom random, int n) {
        float[][] x = new float[n][INPUTS];
        for (float[] row : x) {
            for (int j = 0; j < INPUTS; j++) {
                row[j] = random.nextInt(3) == 0 ? 0 : (float) random.nextDouble();
            }
        }
        return x;
    }

    private static float[][] logits(SplittableRandom random, int n) {
        float[][] z = new float[n][OUTPUTS];
        for (float[] row : z) {
            for (int j = 0; j < OUTPUTS; j++) {
                row[j] = (float) (3 * random.nextGaussian());
            }
        }
        return z;
    }

    private static int[] labels(SplittableRandom random, int n, boolean someUnlabeled) {
        int[] y = new int[n];
        for (int r = 0; r < n; r++) {
            y[r] = someUnlabeled && random.nextBoolean() ? -1 : random.nextInt(OUTPUTS);
        }
        return y;
    }
}
