package io.distillery.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class MonitorSettingsTest {

    @Test
    void shouldReadDefaults() {
        MonitorSettings s = MonitorSettings.from(Config.defaults());
        assertThat(s).isEqualTo(new MonitorSettings(10_000, 10_000, 0.002, 50, 0.005, 0.9999, 30,
            "distill-monitor", null, 10));
    }

    @Test
    void shouldTakeClassesFromDataSettingsAndKeysFromConfig() {
        MonitorSettings s = MonitorSettings.from(Config.of(Map.of("data.classes", "3", "monitor.window.ms", "500",
            "monitor.state.dir", "/tmp/x")));
        assertThat(s.classes()).isEqualTo(3);
        assertThat(s.windowMs()).isEqualTo(500);
        assertThat(s.stateDir()).isEqualTo("/tmp/x");
    }

    @Test
    void shouldNameKeyAndValueWhenOutOfRange() {
        assertThatThrownBy(() -> MonitorSettings.from(Config.of(Map.of("monitor.grace.ms", "-1"))))
            .isInstanceOf(ConfigException.class).hasMessage("monitor.grace.ms must not be negative, was -1");
        assertThatThrownBy(() -> MonitorSettings.from(Config.of(Map.of("monitor.ph.alpha", "1.5"))))
            .isInstanceOf(ConfigException.class).hasMessage("monitor.ph.alpha must be in [0.0, 1.0], was 1.5");
    }

    @Test
    void shouldRegisterEveryKey() {
        MonitorSettings.KEYS.forEach(k -> assertThat(ConfigKeys.isKnown(k.name())).as(k.name()).isTrue());
    }
}
