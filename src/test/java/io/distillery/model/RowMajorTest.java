package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class RowMajorTest {
    @Test
    void shouldSplitTheFirstRowsIntoArraysOfTheirOwn() {
        float[] values = {1, 2, 3, 4, 5, 6, 7};

        float[][] rows = RowMajor.split(values, 3, 2);

        assertThat(rows).isDeepEqualTo(new float[][] {{1, 2, 3}, {4, 5, 6}});
        rows[0][0] = 9;
        assertThat(values[0]).as("copied, not a view").isEqualTo(1);
    }

    @Test
    void shouldWrapOneRowThatIsTheWholeArrayAndCopyOneThatIsNot() {
        float[] exact = {1, 2, 3};
        float[] longer = {1, 2, 3, 4};

        assertThat(RowMajor.split(exact, 3, 1)[0]).isSameAs(exact);
        assertThat(RowMajor.split(longer, 3, 1)[0]).isNotSameAs(longer).containsExactly(1, 2, 3);
        assertThat(RowMajor.split(longer, 3, 0)).isEmpty();
    }

    @Test
    void shouldRefuseFewerValuesThanTheRowsNeed() {
        assertThatThrownBy(() -> RowMajor.split(new float[5], 3, 2))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("2 rows of 3 features need 6 values, had 5");
        assertThatThrownBy(() -> RowMajor.requireSize(new float[5], 3, -1))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> RowMajor.requireSize(new float[5], 70_000, 70_000))
            .as("no int overflow into a match").isInstanceOf(IllegalArgumentException.class)
            .hasMessage("70000 rows of 70000 features need 4900000000 values, had 5");
    }
}
