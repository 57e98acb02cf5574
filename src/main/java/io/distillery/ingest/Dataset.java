package io.distillery.ingest;

/**
 * A labeled data set held in memory: rows of features and their labels.
 *
 * @param x rows, all of the same width
 * @param y the label of each row
 */
public record Dataset(float[][] x, int[] y) {
    public Dataset {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " rows but " + y.length + " labels");
        }
    }

    public int size() {
        return y.length;
    }

    public int width() {
        return x.length == 0 ? 0 : x[0].length;
    }
}
