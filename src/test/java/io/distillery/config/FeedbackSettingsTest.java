package io.distillery.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FeedbackSettingsTest {

    @Test
    void shouldReadDefaults() {
        assertThat(FeedbackSettings.defaults()).isEqualTo(
            new FeedbackSettings(true, 0.9, 0.8, 0.1, 0.5, 100, 2.0, 5000, 3.0, 0.5, false, 10,
                java.util.Set.of("teacher-error")));
    }

    @Test
    void shouldReadKeysFromConfig() {
        FeedbackSettings s = FeedbackSettings.from(Config.of(Map.of("feedback.enabled", "false",
            "feedback.min.share", "0.25", "feedback.drift.reset.optimizer", "true")));
        assertThat(s.enabled()).isFalse();
        assertThat(s.minShare()).isEqualTo(0.25);
        assertThat(s.driftResetOptimizer()).isTrue();
    }

    @Test
    void shouldNameKeyAndValueWhenOutOfRange() {
        assertThatThrownBy(() -> from("feedback.share.step", "1"))
            .isInstanceOf(ConfigException.class).hasMessage("feedback.share.step must be in (0, 1), was 1.0");
        assertThatThrownBy(() -> from("feedback.min.share", "0"))
            .isInstanceOf(ConfigException.class).hasMessage("feedback.min.share must be > 0, was 0.0");
        assertThatThrownBy(() -> from("feedback.class.boost", "0.5"))
            .isInstanceOf(ConfigException.class).hasMessageStartingWith("feedback.class.boost must be in [1.0, ");
        assertThatThrownBy(() -> from("feedback.drift.records", "-1"))
            .isInstanceOf(ConfigException.class).hasMessage("feedback.drift.records must not be negative, was -1");
        assertThatThrownBy(() -> from("feedback.drift.flush.fraction", "1.5"))
            .isInstanceOf(ConfigException.class)
            .hasMessage("feedback.drift.flush.fraction must be in [0.0, 1.0], was 1.5");
    }

    @Test
    void shouldRejectLowAboveThreshold() {
        assertThatThrownBy(() -> from("feedback.agreement.low", "0.95"))
            .isInstanceOf(ConfigException.class)
            .hasMessage("feedback.agreement.low must be <= feedback.agreement.threshold (0.9), was 0.95");
    }

    @Test
    void shouldRegisterEveryKey() {
        FeedbackSettings.KEYS.forEach(k -> assertThat(ConfigKeys.isKnown(k.name())).as(k.name()).isTrue());
    }

    @Test
    void shouldReactOnlyToConfiguredDriftSignals() {
        var divergence = new io.distillery.spec.DriftSignal("ADWIN", "divergence", 1, 1);
        var error = new io.distillery.spec.DriftSignal("ADWIN", "teacher-error", 2, 2);
        assertThat(FeedbackSettings.defaults().relevant(java.util.List.of(divergence, error))).containsExactly(error);
        assertThat(from("feedback.drift.signals", "teacher-error, divergence").relevant(java.util.List.of(divergence)))
            .containsExactly(divergence);
        assertThatThrownBy(() -> from("feedback.drift.signals", "accuracy"))
            .hasMessage("feedback.drift.signals must name only teacher-error and divergence, was 'accuracy'");
    }

    private static FeedbackSettings from(String key, String value) {
        return FeedbackSettings.from(Config.of(Map.of(key, value)));
    }
}
