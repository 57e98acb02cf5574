package io.distillery.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StudentSettingsTest {
    @Test
    void shouldShrinkReplayBudgetLinearlyWithLag() {
        StudentSettings s = StudentSettings.from(Config.of(Map.of("student.replay.steps.max", "8",
            "student.replay.steps.min", "2", "student.lag.high", "1000")));
        assertThat(s.replayBudget(0)).isEqualTo(8);
        assertThat(s.replayBudget(500)).isEqualTo(5);
        assertThat(s.replayBudget(1000)).isEqualTo(2);
        assertThat(s.replayBudget(50_000)).isEqualTo(2);
    }

    @Test
    void shouldReadNetworkDefaultsFromDataShape() {
        StudentSettings s = StudentSettings.from(Config.defaults());
        assertThat(s.network().describe()).isEqualTo("784-128-10");
        assertThat(s.distillation().temperature()).isEqualTo(1.0);
        assertThat(TeacherSettings.from(Config.defaults()).network().describe()).isEqualTo("784-512-256-10");
        assertThat(TeacherSettings.from(Config.of(Map.of("data.features", "16", "data.classes", "4",
            "teacher.hidden", "8"))).network().hidden()).isEqualTo(List.of(8));
    }

    @Test
    void shouldShiftImagesInsteadOfMixingThemAndMixOtherRecords() {
        StudentSettings notImages = StudentSettings.from(Config.defaults());
        assertThat(notImages.shiftShare()).isZero();
        assertThat(notImages.mixupShare()).isEqualTo(0.5);

        StudentSettings images = StudentSettings.from(Config.of(Map.of("data.image.width", "28")));
        assertThat(images.shiftShare()).isEqualTo(0.5);
        assertThat(images.mixupShare()).isZero();
        assertThat(images.imageWidth()).isEqualTo(28);

        StudentSettings shiftOff = StudentSettings.from(Config.of(Map.of("data.image.width", "28",
            "student.replay.shift", "0")));
        assertThat(shiftOff.shiftShare()).isZero();
        assertThat(shiftOff.mixupShare()).isEqualTo(0.5);
    }

    @Test
    void shouldRefuseAnImageWidthThatDoesNotDivideTheFeatures() {
        assertThatThrownBy(() -> StudentSettings.from(Config.of(Map.of("data.image.width", "27"))))
            .hasMessage("data.image.width must divide data.features (784) into rows, was 27");
        assertThatThrownBy(() -> StudentSettings.from(Config.of(Map.of("student.replay.shift", "1.5"))))
            .hasMessage("student.replay.shift must be in [0.0, 1.0], was 1.5");
    }

    @Test
    void shouldNameKeyAndValueOfBadSettings() {
        assertThatThrownBy(() -> StudentSettings.from(Config.of(Map.of("student.alpha", "1.5"))))
            .hasMessage("student.alpha must be in [0.0, 1.0], was 1.5");
        assertThatThrownBy(() -> StudentSettings.from(Config.of(Map.of("student.activation", "gelu"))))
            .hasMessageStartingWith("student.activation must be one of");
        assertThatThrownBy(() -> StudentSettings.from(Config.of(Map.of("student.replay.steps.min", "9"))))
            .hasMessage("student.replay.steps.max must be >= 9, was 8");
        assertThatThrownBy(() -> TeacherSettings.from(Config.of(Map.of("teacher.hidden", "512,-1"))))
            .hasMessage("teacher.hidden must be > 0, was -1");
        assertThatThrownBy(() -> TeacherSettings.from(Config.of(Map.of("teacher.buffer.size", "10"))))
            .hasMessage("teacher.buffer.size must be >= 128, was 10");
    }
}
