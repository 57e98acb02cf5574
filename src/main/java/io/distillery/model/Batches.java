package io.distillery.model;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Java arrays to ND4J arrays, with the width checks that keep bad rows out of the network. */
final class Batches {

    private Batches() {
    }

    static INDArray features(float[][] rows, int width) {
        float[] flat = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            float[] row = rows[i];
            if (row == null || row.length != width) {
                throw new IllegalArgumentException("row " + i + " must have " + width
                        + " features, had " + (row == null ? "null" : row.length));
            }
            System.arraycopy(row, 0, flat, i * width, width);
        }
        return Nd4j.create(flat, new long[] {rows.length, width}, DataType.FLOAT);
    }

    /** {@code [teacher logits or zeros | one-hot or zeros]}, the label layout of DistillationLoss. */
    static INDArray targets(int rows, float[][] teacherLogits, int[] labels, int classes) {
        if (labels.length != rows) {
            throw new IllegalArgumentException("labels must have one entry per row: "
                    + rows + " rows, " + labels.length + " labels");
        }
        if (teacherLogits != null && teacherLogits.length != rows) {
            throw new IllegalArgumentException("teacherLogits must have one row per row: "
                    + rows + " rows, " + teacherLogits.length + " teacher rows");
        }
        int width = 2 * classes;
        float[] flat = new float[rows * width];
        for (int i = 0; i < rows; i++) {
            if (teacherLogits != null) {
                float[] t = teacherLogits[i];
                if (t == null || t.length != classes) {
                    throw new IllegalArgumentException("teacher logits of row " + i + " must have "
                            + classes + " values, had " + (t == null ? "null" : t.length));
                }
                System.arraycopy(t, 0, flat, i * width, classes);
            }
            int label = labels[i];
            if (label < -1 || label >= classes) {
                throw new IllegalArgumentException("label of row " + i + " must be in [0, "
                        + classes + ") or -1 for none, was " + label);
            }
            if (label >= 0) {
                flat[i * width + classes + label] = 1;
            }
        }
        return Nd4j.create(flat, new long[] {rows, width}, DataType.FLOAT);
    }

    static void requireLabeled(int[] labels) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0) {
                throw new IllegalArgumentException("fitHard needs a label on every row; row " + i
                        + " has " + labels[i]);
            }
        }
    }
}
