package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LogitMathTest {

    @Test
    void shouldGiveProbabilitiesSummingToOne() {
        double[] p = LogitMath.softmax(new float[] {1, 2, 3}, 1);

        assertThat(Arrays.stream(p).sum()).isCloseTo(1, within(1e-12));
        assertThat(p[2] / p[1]).isCloseTo(Math.E, within(1e-9));
    }

    @Test
    void shouldStayFiniteForHugeLogits() {
        double[] p = LogitMath.softmax(new float[] {1e30f, -1e30f, 1e30f}, 1);

        assertThat(p).containsExactly(new double[] {0.5, 0.0, 0.5}, within(1e-12));
        assertThat(LogitMath.logSoftmax(new float[] {1000, 0}, 1)[1]).isCloseTo(-1000, within(1e-9));
    }

    @Test
    void shouldSoftenWithTemperature() {
        float[] z = {0, 4};

        assertThat(LogitMath.softmax(z, 4)[1]).isLessThan(LogitMath.softmax(z, 1)[1]);
    }

    @Test
    void shouldGiveZeroKlForSameDistributionEvenWhenShifted() {
        assertThat(LogitMath.kl(new float[] {1, 2, 3}, new float[] {11, 12, 13}, 2)).isCloseTo(0, within(1e-12));
    }

    @Test
    void shouldMatchKlDefinition() {
        float[] t = {2, -1, 0.5f};
        float[] s = {0.3f, 0.9f, -0.4f};
        double[] p = LogitMath.softmax(t, 2);
        double[] q = LogitMath.softmax(s, 2);
        double expected = 0;
        for (int i = 0; i < p.length; i++) {
            expected += p[i] * Math.log(p[i] / q[i]);
        }

        assertThat(LogitMath.kl(t, s, 2)).isCloseTo(expected, within(1e-12));
    }

    @Test
    void shouldPickFirstLargestLogit() {
        assertThat(LogitMath.argmax(new float[] {1, 5, 5, -2})).isEqualTo(1);
    }

    @Test
    void shouldRejectBadTemperatureAndWidths() {
        assertThatThrownBy(() -> LogitMath.softmax(new float[] {1}, 0))
                .hasMessage("temperature must be finite and > 0, was 0.0");
        assertThatThrownBy(() -> LogitMath.kl(new float[2], new float[3], 1))
                .hasMessage("logit widths differ: teacher 2, student 3");
    }

    @Test
    void shouldCountMatchingClassesAsAccuracy() {
        assertThat(LogitMath.accuracy(new int[] {1, 2, 3, 0}, new int[] {1, 0, 3, 0})).isEqualTo(0.75);
        assertThat(LogitMath.accuracy(new int[0], new int[0])).isNaN();
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> LogitMath.accuracy(new int[1], new int[2]))
            .hasMessage("1 predictions for 2 labels");
    }
}
