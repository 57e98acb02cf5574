package io.distillery.model;

import java.util.Random;

/** Seeded Gaussian blobs, one per class: a small problem a tiny network separates quickly. */
final class SyntheticBlobs {

    final float[][] x;
    final int[] y;

    SyntheticBlobs(int rows, int features, int classes, long seed) {
        Random centers = new Random(42);
        float[][] center = new float[classes][features];
        for (float[] c : center) {
            for (int j = 0; j < features; j++) {
                c[j] = (float) (centers.nextGaussian() * 2);
            }
        }
        Random noise = new Random(seed);
        x = new float[rows][features];
        y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = noise.nextInt(classes);
            for (int j = 0; j < features; j++) {
                x[i][j] = center[y[i]][j] + (float) noise.nextGaussian();
            }
        }
    }

}
