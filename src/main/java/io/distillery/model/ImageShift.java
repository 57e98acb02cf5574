package io.distillery.model;

import java.util.Random;

/**
 * Copies of images moved by whole pixels: the augmentation of image records (row-major, one channel, {@code width}
 * columns). A record that is a picture of a class is still one when moved a pixel, so a moved copy is a new
 * training point near the data, with the teacher's logits computed there. Pixels moved in from outside the image
 * are 0, the background of images scaled to [0, 1].
 */
public final class ImageShift {
    private ImageShift() {
    }

    /**
     * The image moved {@code dx} columns right and {@code dy} rows down (negative: left, up), a new array.
     *
     * @throws IllegalArgumentException if {@code width} does not divide the image's length
     */
    public static float[] shifted(float[] image, int width, int dx, int dy) {
        if (width <= 0 || image.length % width != 0) {
            throw new IllegalArgumentException("an image of " + image.length + " values has no rows of " + width);
        }
        int height = image.length / width;
        float[] out = new float[image.length];
        for (int r = Math.max(0, dy); r < Math.min(height, height + dy); r++) {
            int from = r - dy;
            int c0 = Math.max(0, dx);
            int c1 = Math.min(width, width + dx);
            if (c1 > c0) {
                System.arraycopy(image, from * width + c0 - dx, out, r * width + c0, c1 - c0);
            }
        }
        return out;
    }

    /** The image moved by {@code dx}, then {@code dy}, each drawn uniformly from {−1, 0, 1}. */
    public static float[] nudged(float[] image, int width, Random random) {
        int dx = random.nextInt(3) - 1;
        int dy = random.nextInt(3) - 1;
        return shifted(image, width, dx, dy);
    }

    /**
     * Replaces the first {@code share} of the rows of {@code x} (rounded, as the student's replay rounds its shift
     * share) by {@link #nudged} copies, in order: a batch shifted as the student's replay shifts its own.
     */
    public static void nudgeShare(float[][] x, double share, int width, Random random) {
        int n = (int) Math.round(share * x.length);
        for (int i = 0; i < n; i++) {
            x[i] = nudged(x[i], width, random);
        }
    }
}
