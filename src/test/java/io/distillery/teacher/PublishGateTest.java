package io.distillery.teacher;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.FeedbackSettings;
import io.distillery.config.TeacherGateSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.model.ReplayBuffer;
import io.distillery.testing.FeedbackMessages;
import io.distillery.testing.TrainedNetworks;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The publish gate's decision and its window, with predictors that answer by rule. */
class PublishGateTest {
    private static final int CLASSES = 3;

    private final RoleMetrics metrics = new RoleMetrics("teacher");

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void shouldAcceptACandidateLowerByAtMostTheTolerance() {
        assertThat(PublishGate.accepts(0.86, 0.87, 0.01)).isTrue();
        assertThat(PublishGate.accepts(0.859, 0.87, 0.01)).isFalse();
        assertThat(PublishGate.accepts(0.90, 0.80, 0.0)).isTrue();
        assertThat(PublishGate.accepts(0.80, 0.80, 0.0)).isTrue();
        assertThat(PublishGate.accepts(0.7999, 0.80, 0.0)).isFalse();
    }

    @Test
    void shouldRefuseACandidateWorseOnTheWindowAndCountIt() {
        PublishGate gate = gate(0.02, 10);
        fill(gate, 100);
        gate.published(3, wrongOn(0));

        assertThat(gate.admits(wrongOn(2))).isTrue();
        assertThat(gate.admits(wrongOn(3))).isFalse();
        assertThat(gate.admits(wrongOn(50))).isFalse();

        assertThat(refused()).isEqualTo(2.0);
        assertThat(accuracy("published")).isEqualTo(1.0);
        assertThat(accuracy("candidate")).isEqualTo(0.5);
    }

    @Test
    void shouldScoreThePublishedTeacherOnTheCurrentWindowAtEachAttempt() {
        PublishGate gate = gate(0.0, 10);
        fill(gate, 100);
        // Right on rows 0-49 only; once those leave the window it scores 0 and any candidate passes.
        gate.published(1, rightBelow(50));
        assertThat(gate.admits(wrongOn(100))).isFalse();
        for (int i = 100; i < 200; i++) {
            gate.hold(row(i), label(i));
        }
        assertThat(gate.admits(wrongOn(100))).isTrue();
        assertThat(accuracy("published")).isEqualTo(0.0);
    }

    @Test
    void shouldAdmitEveryCandidateBeforeAPublishedTeacherOrEnoughRows() {
        PublishGate gate = gate(0.0, 10);
        fill(gate, 9);
        assertThat(gate.admits(wrongOn(100))).as("nothing published yet").isTrue();
        gate.published(1, wrongOn(0));
        assertThat(gate.admits(wrongOn(100))).as("9 of teacher.gate.min.rows 10").isTrue();
        gate.hold(row(9), label(9));
        assertThat(gate.admits(wrongOn(100))).isFalse();
    }

    @Test
    void shouldAdmitEveryCandidateWhenTheGateIsOff() {
        PublishGate gate = new PublishGate(new TeacherGateSettings(0, 100, 0.0, 10), metrics);
        fill(gate, 100);
        gate.published(1, wrongOn(0));
        assertThat(gate.admits(wrongOn(100))).isTrue();
        assertThat(refused()).isZero();
    }

    @Test
    void shouldKeepOnlyTheMostRecentRowsOfTheWindow() {
        HoldoutWindow window = new HoldoutWindow(20, 30);
        for (int i = 0; i < 100; i++) {
            window.add(row(i), label(i));
        }
        assertThat(window.size()).isEqualTo(30);
        assertThat(window.correct(rightBelow(70))).as("rows 70-99 kept").isZero();
        assertThat(window.correct(rightBelow(85))).isEqualTo(15);
    }

    @Test
    void shouldDropTheOldestRowsOnAFlushAndKeepAddingAfterThem() {
        HoldoutWindow window = new HoldoutWindow(20, 30);
        for (int i = 0; i < 40; i++) {
            window.add(row(i), label(i));
        }
        assertThat(window.flushOldest(0.5)).isEqualTo(15);
        assertThat(window.correct(rightBelow(25))).as("rows 25-39 kept").isZero();
        assertThat(window.correct(rightBelow(40))).isEqualTo(15);
        for (int i = 40; i < 60; i++) {
            window.add(row(i), label(i));
        }
        assertThat(window.size()).isEqualTo(30);
        assertThat(window.correct(rightBelow(30))).as("rows 30-59 kept").isZero();
        assertThat(window.correct(rightBelow(45))).isEqualTo(15);
    }

    @Test
    void shouldFlushTheGatesWindowOnceWhenADriftFlushesTheReplayBuffer() {
        DriftResponse drift = new DriftResponse(FeedbackSettings.from(Config.of(Map.of("feedback.drift.records",
            "100"))), metrics);
        AdaptiveTraining adaptive = new AdaptiveTraining(drift, 1e-3);
        Network network = Network.teacher(TrainedNetworks.spec(2, List.of(4), CLASSES, "relu", 1));
        ReplayBuffer buffer = new ReplayBuffer(10, false, 1);
        adaptive.onLabeledRecords(1, network, buffer);
        assertThat(adaptive.takeWindowFlush()).isZero();
        drift.onFeedback(FeedbackMessages.drift(3));
        adaptive.onLabeledRecords(1, network, buffer);
        assertThat(adaptive.takeWindowFlush()).isEqualTo(0.5);
        assertThat(adaptive.takeWindowFlush()).isZero();
    }

    @Test
    void shouldHoldOutAStableOneInNSliceUnrelatedToTheEmittersSample() {
        HoldoutWindow window = new HoldoutWindow(20, 1);
        HoldoutWindow again = new HoldoutWindow(20, 1);
        int held = 0;
        int sampled = 0;
        int heldOfSampled = 0;
        int n = 200_000;
        for (int i = 0; i < n; i++) {
            String id = "fm-train-" + i;
            boolean out = window.holdsOut(id);
            assertThat(again.holdsOut(id)).isEqualTo(out);
            held += out ? 1 : 0;
            if (RecordHash.unit(id) < 0.05) {
                sampled++;
                heldOfSampled += out ? 1 : 0;
            }
        }
        assertThat(held / (double) n).isBetween(0.048, 0.052);
        assertThat(heldOfSampled / (double) sampled).as("held out among the emitter's 5% sample").isBetween(0.045, 0.055);
        assertThat(new HoldoutWindow(0, 1).holdsOut("fm-train-1")).isFalse();
    }

    private PublishGate gate(double tolerance, int minRows) {
        return new PublishGate(new TeacherGateSettings(20, 100, tolerance, minRows), metrics);
    }

    private static void fill(PublishGate gate, int rows) {
        for (int i = 0; i < rows; i++) {
            gate.hold(row(i), label(i));
        }
    }

    /** Row i carries its index; its label follows from the index. */
    private static float[] row(int i) {
        return new float[] {i};
    }

    private static int label(int i) {
        return i % CLASSES;
    }

    /** Wrong on the rows of index below {@code n} within each block of 100, right on the others. */
    private static Predictor wrongOn(int n) {
        return rule(i -> i % 100 >= n);
    }

    /** Right on the rows of index below {@code n} only. */
    private static Predictor rightBelow(int n) {
        return rule(i -> i < n);
    }

    private interface Right {
        boolean on(int index);
    }

    private static Predictor rule(Right right) {
        return new Predictor() {
            @Override
            public int inputs() {
                return 1;
            }

            @Override
            public int outputs() {
                return CLASSES;
            }

            @Override
            public float[][] logits(float[][] rows) {
                float[][] out = new float[rows.length][CLASSES];
                for (int r = 0; r < rows.length; r++) {
                    int i = (int) rows[r][0];
                    out[r][right.on(i) ? label(i) : (label(i) + 1) % CLASSES] = 1;
                }
                return out;
            }
        };
    }

    private double refused() {
        return metrics.registry().get("distill.teacher.gate.refused").counter().count();
    }

    private double accuracy(String teacher) {
        return metrics.registry().get("distill.teacher.gate.accuracy").tag("teacher", teacher).gauge().value();
    }
}
