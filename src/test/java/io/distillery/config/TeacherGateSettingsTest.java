package io.distillery.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TeacherGateSettingsTest {

    @Test
    void shouldReadDefaultsWithTheGateOn() {
        TeacherGateSettings s = TeacherGateSettings.from(Config.defaults());
        assertThat(s).isEqualTo(new TeacherGateSettings(20, 2000, 0.01, 500));
        assertThat(s.enabled()).isTrue();
        assertThat(TeacherGateSettings.from(Config.of(Map.of("teacher.gate.holdout", "0"))).enabled()).isFalse();
    }

    @Test
    void shouldNameKeyAndValueWhenOutOfRange() {
        assertThatThrownBy(() -> TeacherGateSettings.from(Config.of(Map.of("teacher.gate.holdout", "1"))))
            .isInstanceOf(ConfigException.class).hasMessage("teacher.gate.holdout must be 0 (no gate) or at least 2, was 1");
        assertThatThrownBy(() -> TeacherGateSettings.from(Config.of(Map.of("teacher.gate.tolerance", "-0.1"))))
            .isInstanceOf(ConfigException.class).hasMessage("teacher.gate.tolerance must be in [0.0, 1.0], was -0.1");
        assertThatThrownBy(() -> TeacherGateSettings.from(Config.of(Map.of("teacher.gate.window", "100"))))
            .isInstanceOf(ConfigException.class).hasMessage("teacher.gate.window must be >= 500, was 100");
    }

    @Test
    void shouldRegisterEveryKey() {
        TeacherGateSettings.KEYS.forEach(k -> assertThat(ConfigKeys.isKnown(k.name())).as(k.name()).isTrue());
    }
}
