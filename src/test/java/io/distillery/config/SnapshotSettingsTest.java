package io.distillery.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotSettingsTest {
    @Test
    void shouldKeepFiveVersionsAndRefuseColdStartsByDefault() {
        SnapshotSettings s = SnapshotSettings.from(Config.of(Map.of()));

        assertThat(s.retainVersions()).isEqualTo(5);
        assertThat(s.allowColdStart()).isFalse();
    }

    @Test
    void shouldNameTheKeyAndTheValueWhenTheRingSizeIsOutOfRange() {
        assertThatThrownBy(() -> SnapshotSettings.from(Config.of(Map.of("snapshot.retain.versions", "0"))))
            .isInstanceOf(ConfigException.class).hasMessage("snapshot.retain.versions must be >= 1, was 0");
        assertThatThrownBy(() -> SnapshotSettings.from(Config.of(Map.of("snapshot.retain.versions", "101"))))
            .isInstanceOf(ConfigException.class).hasMessage("snapshot.retain.versions must be <= 100, was 101");
    }
}
