package io.distillery.teacher;

import static io.distillery.testing.FeedbackMessages.drift;
import static io.distillery.testing.FeedbackMessages.window;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.FeedbackSettings;
import io.distillery.metrics.RoleMetrics;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class DriftResponseTest {
    private final RoleMetrics metrics = new RoleMetrics();

    @AfterEach
    void closeMetrics() {
        metrics.close();
    }

    @Test
    void shouldBoostLearningRateForExactlyDriftRecords() {
        DriftResponse r = response(Map.of("feedback.drift.records", "100", "feedback.drift.lr.boost", "2.5"));
        assertThat(r.learningRateMultiplier()).isEqualTo(1.0);
        r.onFeedback(drift(3));
        assertThat(r.learningRateMultiplier()).isEqualTo(2.5);
        r.onLabeledRecords(99);
        assertThat(r.learningRateMultiplier()).isEqualTo(2.5);
        r.onLabeledRecords(1);
        assertThat(r.learningRateMultiplier()).isEqualTo(1.0);
        assertThat(r.active()).isFalse();
    }

    @Test
    void shouldRestartFromFullLengthOnDriftDuringResponse() {
        DriftResponse r = response(Map.of("feedback.drift.records", "100"));
        r.onFeedback(drift(3));
        r.onLabeledRecords(80);
        r.onFeedback(drift(3));
        r.onLabeledRecords(80);
        assertThat(r.active()).isTrue();
        r.onLabeledRecords(20);
        assertThat(r.active()).isFalse();
        assertThat(responses()).isEqualTo(2.0);
    }

    @Test
    void shouldRaiseFlushRequestOncePerDriftNotAgainWhileItsResponseRuns() {
        DriftResponse r = response(Map.of("feedback.drift.records", "100"));
        assertThat(r.takeFlushRequest()).isFalse();
        r.onFeedback(drift(3));
        assertThat(r.takeFlushRequest()).isTrue();
        assertThat(r.takeFlushRequest()).isFalse();
        assertThat(r.flushFraction()).isEqualTo(0.5);
        r.onFeedback(drift(3));
        assertThat(r.takeFlushRequest()).as("the same drift signalled again").isFalse();
        r.onLabeledRecords(100);
        assertThat(r.active()).isFalse();
        r.onFeedback(drift(3));
        assertThat(r.takeFlushRequest()).as("a new drift after the response").isTrue();
    }

    @Test
    void shouldNotRequestFlushWhenFractionIsZero() {
        DriftResponse r = response(Map.of("feedback.drift.flush.fraction", "0"));
        r.onFeedback(drift(3));
        assertThat(r.takeFlushRequest()).isFalse();
    }

    @Test
    void shouldRequestOptimizerResetOnlyWhenConfigured() {
        DriftResponse byDefault = response(Map.of());
        byDefault.onFeedback(drift(3));
        assertThat(byDefault.takeResetOptimizerRequest()).isFalse();

        DriftResponse reset = response(Map.of("feedback.drift.reset.optimizer", "true"));
        reset.onFeedback(drift(3));
        assertThat(reset.takeResetOptimizerRequest()).isTrue();
        assertThat(reset.takeResetOptimizerRequest()).isFalse();
    }

    @Test
    void shouldIgnoreWindowReports() {
        DriftResponse r = response(Map.of());
        r.onFeedback(window(0.2, 1000, 3));
        assertThat(r.active()).isFalse();
        assertThat(r.takeFlushRequest()).isFalse();
        assertThat(responses()).isZero();
    }

    @Test
    void shouldNeverReactWhenDisabled() {
        DriftResponse r = response(Map.of("feedback.enabled", "false", "feedback.drift.reset.optimizer", "true"));
        r.onFeedback(drift(3));
        assertThat(r.learningRateMultiplier()).isEqualTo(1.0);
        assertThat(r.takeFlushRequest()).isFalse();
        assertThat(r.takeResetOptimizerRequest()).isFalse();
        assertThat(responses()).isZero();
    }

    private DriftResponse response(Map<String, String> values) {
        return new DriftResponse(FeedbackSettings.from(Config.of(values)), metrics);
    }

    private double responses() {
        return metrics.registry().get("distill.drift.responses").tags("role", "teacher", "loop", "trainer")
            .counter().count();
    }
}
