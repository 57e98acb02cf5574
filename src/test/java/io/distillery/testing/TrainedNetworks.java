package io.distillery.testing;

import io.distillery.model.Network;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.List;
import java.util.Random;

/**
 * Small DL4J teachers and students a few seeded optimizer steps past their initialization (so biases are no
 * longer zero and weights no longer the initializer's), and seeded Gaussian batches to feed them: fixtures
 * for tests that compare another engine's logits with {@link Network#logits}.
 */
public final class TrainedNetworks {
    /** Rows of each training batch. */
    private static final int BATCH = 16;

    private TrainedNetworks() {
    }

    /** A spec with the given shape and hidden activation, Adam at 1e-2 (so a few steps move the weights). */
    public static NetworkSpec spec(int inputs, List<Integer> hidden, int outputs, String activation, long seed) {
        return new NetworkSpec(inputs, hidden, outputs, activation, "adam", 1e-2, seed);
    }

    /** A teacher after {@code steps} hard-label steps on seeded random rows and labels. */
    public static Network teacher(NetworkSpec spec, int steps) {
        Network teacher = Network.teacher(spec);
        Random random = new Random(spec.seed() + 1);
        for (int s = 0; s < steps; s++) {
            teacher.fitHard(gaussianRows(BATCH, spec.inputs(), random), labels(BATCH, spec.outputs(), false, random));
        }
        return teacher;
    }

    /** A student after {@code steps} distillation steps on seeded random rows, teacher logits and half labels. */
    public static Network student(NetworkSpec spec, int steps) {
        Network student = Network.student(spec, new DistillationSpec(2.0, 0.5));
        Random random = new Random(spec.seed() + 2);
        for (int s = 0; s < steps; s++) {
            float[][] x = gaussianRows(BATCH, spec.inputs(), random);
            float[][] soft = gaussianRows(BATCH, spec.outputs(), random);
            student.fitDistill(x, soft, labels(BATCH, spec.outputs(), true, random));
        }
        return student;
    }

    /** {@code rows} rows of {@code width} standard normal values. */
    public static float[][] gaussianRows(int rows, int width, Random random) {
        float[][] x = new float[rows][width];
        for (float[] row : x) {
            for (int j = 0; j < width; j++) {
                row[j] = (float) random.nextGaussian();
            }
        }
        return x;
    }

    private static int[] labels(int rows, int classes, boolean someUnlabeled, Random random) {
        int[] y = new int[rows];
        for (int i = 0; i < rows; i++) {
            y[i] = someUnlabeled && random.nextBoolean() ? -1 : random.nextInt(classes);
        }
        return y;
    }
}
