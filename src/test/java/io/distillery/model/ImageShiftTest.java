package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ImageShiftTest {
    // a 3-row, 4-column image: value = 10·row + column + 1
    private static final float[] IMAGE = {
        1, 2, 3, 4,
        11, 12, 13, 14,
        21, 22, 23, 24};

    @Test
    void shouldMoveTheImageRightAndDownFillingWithZeros() {
        assertThat(ImageShift.shifted(IMAGE, 4, 1, 1)).containsExactly(
            0, 0, 0, 0,
            0, 1, 2, 3,
            0, 11, 12, 13);
    }

    @Test
    void shouldMoveTheImageLeftAndUp() {
        assertThat(ImageShift.shifted(IMAGE, 4, -1, -1)).containsExactly(
            12, 13, 14, 0,
            22, 23, 24, 0,
            0, 0, 0, 0);
    }

    @Test
    void shouldCopyTheImageUnmovedAndLeaveTheOriginalAlone() {
        float[] copy = ImageShift.shifted(IMAGE, 4, 0, 0);
        assertThat(copy).containsExactly(IMAGE).isNotSameAs(IMAGE);
        ImageShift.shifted(IMAGE, 4, 2, -1);
        assertThat(IMAGE[0]).isEqualTo(1f);
    }

    @Test
    void shouldGiveAnEmptyImageWhenMovedByItsWholeWidth() {
        assertThat(ImageShift.shifted(IMAGE, 4, 4, 0)).containsOnly(0f);
        assertThat(ImageShift.shifted(IMAGE, 4, 0, -3)).containsOnly(0f);
    }

    @Test
    void shouldRefuseAWidthThatDoesNotDivideTheImage() {
        assertThatThrownBy(() -> ImageShift.shifted(IMAGE, 5, 1, 0))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no rows of 5");
        assertThatThrownBy(() -> ImageShift.shifted(IMAGE, 0, 1, 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldNudgeByAtMostOnePixelAndReachAllNineMoves() {
        Random random = new Random(3);
        Set<List<Float>> seen = new HashSet<>();
        for (int i = 0; i < 200; i++) {
            float[] out = ImageShift.nudged(IMAGE, 4, random);
            // the centre pixel (row 1, column 1: 12) lands within one pixel of where it was
            seen.add(List.of(out[0], out[5], out[10]));
        }
        Set<List<Float>> all = new HashSet<>();
        for (int dy = -1; dy <= 1; dy++) {
            for (int dx = -1; dx <= 1; dx++) {
                float[] m = ImageShift.shifted(IMAGE, 4, dx, dy);
                all.add(List.of(m[0], m[5], m[10]));
            }
        }
        assertThat(seen).isEqualTo(all).hasSize(9);
    }

    @Test
    void shouldNudgeOnlyTheFirstRowsOfTheShareInPlace() {
        float[][] x = {IMAGE.clone(), IMAGE.clone(), IMAGE.clone()};
        float[] last = x[2];
        ImageShift.nudgeShare(x, 0.6, 4, new Random(1));   // 1.8 rows, rounded: 2
        assertThat(x[2]).isSameAs(last);
        Random same = new Random(1);
        assertThat(x[0]).containsExactly(ImageShift.nudged(IMAGE, 4, same));
        assertThat(x[1]).containsExactly(ImageShift.nudged(IMAGE, 4, same));
    }

    @Test
    void shouldLeaveRecordsThatAreNotImagesAloneAtAZeroShare() {
        float[][] x = {IMAGE.clone()};
        float[] row = x[0];
        ImageShift.nudgeShare(x, 0, 0, new Random(1));
        assertThat(x[0]).isSameAs(row);
    }
}
