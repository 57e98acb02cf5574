package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class StepGuardTest {
    private static final NetworkSpec SPEC = new NetworkSpec(4, List.of(8), 3, "relu", "adam", 1e-2, 3);
    private static final float[][] GOOD = {{0.1f, 0.2f, 0.3f, 0.4f}, {0.4f, 0.3f, 0.2f, 0.1f}};
    private static final int[] LABELS = {0, 2};
    /** Finite features whose first layer overflows to infinity: the loss is NaN. */
    private static final float[][] HUGE = {{3e38f, 3e38f, 3e38f, 3e38f}, {3e38f, 3e38f, 3e38f, 3e38f}};
    private static final float[][] NAN = {{Float.NaN, 0, 0, 0}, {0, 0, 0, 0}};

    private static float[][] probe(Network n) {
        return n.logits(GOOD);
    }

    @Test
    void shouldSkipAStepWhoseLossIsNotFiniteAndLeaveTheWeightsAsTheyWere() {
        Network n = Network.teacher(SPEC);
        StepGuard guard = new StepGuard(3);
        assertThat(guard.step(n, net -> net.fitHard(GOOD, LABELS))).isEqualTo(StepGuard.Outcome.TRAINED);
        double loss = guard.loss();
        float[][] before = probe(n);

        assertThat(guard.step(n, net -> net.fitHard(HUGE, LABELS))).isEqualTo(StepGuard.Outcome.SKIPPED);
        assertThat(guard.step(n, net -> net.fitHard(NAN, LABELS))).isEqualTo(StepGuard.Outcome.SKIPPED);

        assertThat(n.weightsFinite()).isTrue();
        assertThat(probe(n)).isDeepEqualTo(before);
        assertThat(guard.loss()).isEqualTo(loss);
        assertThat(guard.step(n, net -> net.fitHard(GOOD, LABELS))).isEqualTo(StepGuard.Outcome.TRAINED);
        assertThat(Arrays.deepEquals(probe(n), before)).as("training goes on").isFalse();
    }

    @Test
    void shouldRestoreTheLastGoodWeightsAfterRepeatedNonFiniteSteps() {
        Network n = Network.student(new NetworkSpec(4, List.of(8), 3, "tanh", "adam", 1e-2, 4),
            new DistillationSpec(1, 0.9));
        StepGuard guard = new StepGuard(2);
        float[][] targets = {{2, 0, -1}, {-1, 0, 2}};
        guard.step(n, net -> net.fitDistill(GOOD, targets, LABELS));
        guard.markGood(n);
        float[][] good = probe(n);
        guard.step(n, net -> net.fitDistill(GOOD, targets, LABELS));
        assertThat(Arrays.deepEquals(probe(n), good)).isFalse();

        assertThat(guard.step(n, net -> net.fitDistill(NAN, targets, LABELS))).isEqualTo(StepGuard.Outcome.SKIPPED);
        assertThat(guard.step(n, net -> net.fitDistill(NAN, targets, LABELS))).isEqualTo(StepGuard.Outcome.RESTORED);

        assertThat(probe(n)).isDeepEqualTo(good);
        assertThat(guard.step(n, net -> net.fitDistill(NAN, targets, LABELS))).as("counts again from zero")
            .isEqualTo(StepGuard.Outcome.SKIPPED);
    }

    @Test
    void shouldSeeNonFiniteWeights() {
        Network n = Network.teacher(SPEC);
        assertThat(n.weightsFinite()).isTrue();
        n.fitHard(NAN, LABELS);
        assertThat(n.weightsFinite()).isFalse();
        for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY}) {
            Network one = Network.teacher(SPEC);
            one.dl4j().params().putScalar(7, bad);
            assertThat(one.weightsFinite()).as("weight " + bad).isFalse();
            one = Network.teacher(SPEC);
            one.dl4j().params().putScalar(one.dl4j().params().length() - 1, bad);
            assertThat(one.weightsFinite()).as("last bias " + bad).isFalse();
            assertThat(Network.fromBytes(one.toBytes(true)).weightsFinite()).as("read back " + bad).isFalse();
        }
    }
}
