package io.distillery.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class QualityArgsTest {
    private static final Set<String> KNOWN = Set.of("name", "no-warm-up", "steps");

    @Test
    void shouldTakeSeedsZeroAndOneWhenNoneAreGiven() {
        QualityArgs q = QualityArgs.parse(new String[] {"student.alpha=0.8", "--no-warm-up"}, KNOWN);

        assertThat(q.seeds()).containsExactly(0L, 1L);
        assertThat(q.settings()).isEqualTo(Map.of("student.alpha", "0.8"));
        assertThat(q.has("no-warm-up")).isTrue();
        assertThat(q.has("name")).isFalse();
        assertThat(q.option("name", "run")).isEqualTo("run");
    }

    @Test
    void shouldSeparateSeedsSettingsAndOptionsWithValues() {
        QualityArgs q = QualityArgs.parse(new String[] {"3", "--steps=6000,12000", "a.b=c=d", "1", "--name=row"},
            KNOWN);

        assertThat(q.seeds()).isEqualTo(List.of(3L, 1L));
        assertThat(q.settings()).isEqualTo(Map.of("a.b", "c=d"));
        assertThat(q.option("steps", "")).isEqualTo("6000,12000");
        assertThat(q.option("name", "run")).isEqualTo("row");
    }

    @Test
    void shouldRefuseAnUnknownOptionAndAWordThatIsNoSeed() {
        assertThatThrownBy(() -> QualityArgs.parse(new String[] {"--rate=250"}, KNOWN))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--rate");
        assertThatThrownBy(() -> QualityArgs.parse(new String[] {"zero"}, KNOWN))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("zero");
    }
}
