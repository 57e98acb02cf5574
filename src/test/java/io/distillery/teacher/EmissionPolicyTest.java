package io.distillery.teacher;

import static io.distillery.testing.FeedbackMessages.drift;
import static io.distillery.testing.FeedbackMessages.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.config.Config;
import io.distillery.config.FeedbackSettings;
import io.distillery.metrics.RoleMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EmissionPolicyTest {
    private static final int CLASSES = 4;
    private final RoleMetrics metrics = new RoleMetrics();
    private final EmissionPolicy policy = new EmissionPolicy(FeedbackSettings.defaults(), metrics);

    @AfterEach
    void closeMetrics() {
        metrics.close();
    }

    @Test
    void shouldStartAtFullShare() {
        assertThat(policy.share()).isEqualTo(1.0);
        assertThat(policy.shouldEmit("r-1", 0)).isTrue();
        assertThat(ratioGauge()).isEqualTo(1.0);
    }

    @Test
    void shouldShrinkStepByStepToMinShareUnderGoodWindows() {
        List<Double> shares = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            policy.onFeedback(window(0.95, 1000, CLASSES));
            shares.add(policy.share());
        }
        assertThat(shares).containsExactly(0.5, 0.25, 0.125, 0.1, 0.1, 0.1);
        assertThat(ratioGauge()).isEqualTo(0.1);
    }

    @Test
    void shouldRiseBelowThresholdAndResetBelowLow() {
        goodWindows(4);
        policy.onFeedback(window(0.85, 1000, CLASSES));
        assertThat(policy.share()).isEqualTo(0.2);
        policy.onFeedback(window(0.85, 1000, CLASSES));
        assertThat(policy.share()).isEqualTo(0.4);
        policy.onFeedback(window(0.7, 1000, CLASSES));
        assertThat(policy.share()).isEqualTo(1.0);
    }

    @Test
    void shouldNotRiseAboveOne() {
        policy.onFeedback(window(0.85, 1000, CLASSES));
        assertThat(policy.share()).isEqualTo(1.0);
    }

    @Test
    void shouldIgnoreWindowsWithTooFewRecords() {
        policy.onFeedback(window(0.99, 99, CLASSES));
        assertThat(policy.share()).isEqualTo(1.0);
        policy.onFeedback(window(0.99, 100, CLASSES));
        assertThat(policy.share()).isEqualTo(0.5);
    }

    @Test
    void shouldBoostClassesWithLowAgreementAndGiveClassesWithoutDataTheOverallShare() {
        goodWindows(2);
        policy.onFeedback(window(0.95, new double[] {0.99, 0.6, Double.NaN, 0.97}, new long[] {500, 100, 0, 400}));
        assertThat(policy.share()).isEqualTo(0.125);
        assertThat(policy.share(0)).isEqualTo(0.125);
        assertThat(policy.share(1)).isEqualTo(0.25);
        assertThat(policy.share(2)).isEqualTo(0.125);
        assertThat(policy.share(3)).isEqualTo(0.125);
        assertThat(policy.share(7)).as("a class the window did not report").isEqualTo(0.125);
        assertThat(policy.expectedShare()).isEqualTo((900 * 0.125 + 100 * 0.25) / 1000);
        assertThat(ratioGauge()).isEqualTo(policy.expectedShare());
    }

    @Test
    void shouldCapBoostedShareAtOne() {
        policy.onFeedback(window(0.95, new double[] {0.99, 0.5}, new long[] {900, 100}));
        assertThat(policy.share()).isEqualTo(0.5);
        assertThat(policy.share(1)).isEqualTo(1.0);
    }

    @Test
    void shouldDecideTheSameForTheSameIdAndState() {
        goodWindows(2);
        for (int i = 0; i < 1000; i++) {
            String id = "r-" + i;
            assertThat(policy.shouldEmit(id, 1)).isEqualTo(policy.shouldEmit(id, 1));
        }
        EmissionPolicy other = new EmissionPolicy(FeedbackSettings.defaults(), metrics);
        other.onFeedback(window(0.95, 1000, CLASSES));
        other.onFeedback(window(0.95, 1000, CLASSES));
        for (int i = 0; i < 1000; i++) {
            assertThat(other.shouldEmit("r-" + i, 2)).isEqualTo(policy.shouldEmit("r-" + i, 2));
        }
    }

    @Test
    void shouldEmitTheShareOfRandomIds() {
        java.util.Random random = new java.util.Random(42);
        for (int step = 1; step <= 3; step++) {
            policy.onFeedback(window(0.95, 1000, CLASSES));
            int emitted = 0;
            for (int i = 0; i < 100_000; i++) {
                String id = Long.toHexString(random.nextLong()) + "-" + i;
                emitted += policy.shouldEmit(id, random.nextInt(CLASSES)) ? 1 : 0;
            }
            assertThat(emitted / 100_000.0).as("share %s", policy.share()).isCloseTo(policy.share(), within(0.01));
        }
    }

    @Test
    void shouldEmitTheShareOfSequentialIds() {
        goodWindows(4);
        int emitted = 0;
        for (int i = 0; i < 100_000; i++) {
            emitted += policy.shouldEmit(String.format("r-%06d", i), 0) ? 1 : 0;
        }
        assertThat(emitted / 100_000.0).isCloseTo(0.1, within(0.01));
    }

    @Test
    void shouldEmitEverythingForExactlyDriftRecordsThenResumeFromOne() {
        goodWindows(4);
        policy.onFeedback(drift(CLASSES));
        assertThat(policy.share()).isEqualTo(1.0);
        assertThat(policy.share(2)).isEqualTo(1.0);
        assertThat(ratioGauge()).isEqualTo(1.0);
        policy.onRecords(4_000);
        policy.onFeedback(window(0.99, 1000, CLASSES));
        assertThat(policy.share()).as("windows are ignored during a drift response").isEqualTo(1.0);
        policy.onRecords(999);
        assertThat(policy.inDriftResponse()).isTrue();
        policy.onRecords(1);
        assertThat(policy.inDriftResponse()).isFalse();
        assertThat(policy.share()).isEqualTo(1.0);
        policy.onFeedback(window(0.99, 1000, CLASSES));
        assertThat(policy.share()).isEqualTo(0.5);
    }

    @Test
    void shouldCountDriftResponses() {
        policy.onFeedback(drift(CLASSES));
        policy.onFeedback(drift(CLASSES));
        assertThat(metrics.registry().get("distill.drift.responses").tags("role", "teacher", "loop", "emitter")
            .counter().count()).isEqualTo(2.0);
    }

    @Test
    void shouldAlwaysEmitWhenDisabled() {
        EmissionPolicy off = new EmissionPolicy(
            FeedbackSettings.from(Config.of(Map.of("feedback.enabled", "false"))), metrics);
        for (int i = 0; i < 5; i++) {
            off.onFeedback(window(0.99, 1000, CLASSES));
        }
        off.onFeedback(drift(CLASSES));
        assertThat(off.share()).isEqualTo(1.0);
        assertThat(off.inDriftResponse()).isFalse();
        for (int i = 0; i < 1000; i++) {
            assertThat(off.shouldEmit("r-" + i, i % CLASSES)).isTrue();
        }
        assertThat(metrics.registry().find("distill.drift.responses").counter().count()).isZero();
    }

    private void goodWindows(int n) {
        for (int i = 0; i < n; i++) {
            policy.onFeedback(window(0.95, 1000, CLASSES));
        }
    }

    private double ratioGauge() {
        return metrics.registry().get("distill.logit.emission.ratio").tag("role", "teacher").gauge().value();
    }
}
