package io.distillery.model;

import java.util.Arrays;

/** A batch held as one row-major array of {@code rows × width} floats, as a binary request carries it. Stateless. */
public final class RowMajor {
    private RowMajor() {
    }

    /**
     * The first {@code rows} rows as arrays of their own; one row that is the whole array is that array itself.
     *
     * @throws IllegalArgumentException if {@code values} holds fewer than {@code rows × width} floats
     */
    public static float[][] split(float[] values, int width, int rows) {
        requireSize(values, width, rows);
        if (rows == 1 && values.length == width) {
            return new float[][] {values};
        }
        float[][] out = new float[rows][];
        for (int i = 0; i < rows; i++) {
            out[i] = Arrays.copyOfRange(values, i * width, (i + 1) * width);
        }
        return out;
    }

    /**
     * Checks that {@code values} holds at least {@code rows × width} floats.
     *
     * @throws IllegalArgumentException if it holds fewer, or a count is negative
     */
    public static void requireSize(float[] values, int width, int rows) {
        if (rows < 0 || width < 0 || (long) rows * width > values.length) {
            throw new IllegalArgumentException(rows + " rows of " + width + " features need " + (long) rows * width
                + " values, had " + values.length);
        }
    }
}
