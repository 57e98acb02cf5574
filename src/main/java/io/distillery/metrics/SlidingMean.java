package io.distillery.metrics;

/**
 * The mean of the last {@code window} values (e.g. 1 for a correct prediction, 0 for a wrong one):
 * a prequential accuracy or agreement over recent records. NaN while empty. Not thread-safe.
 */
public final class SlidingMean {
    private final double[] values;
    private int next;
    private int count;
    private double sum;

    public SlidingMean(int window) {
        if (window <= 0) {
            throw new IllegalArgumentException("window must be > 0, was " + window);
        }
        this.values = new double[window];
    }

    public void add(double v) {
        if (count == values.length) {
            sum -= values[next];
        } else {
            count++;
        }
        values[next] = v;
        sum += v;
        next = (next + 1) % values.length;
    }

    public double mean() {
        return count == 0 ? Double.NaN : sum / count;
    }

    public int count() {
        return count;
    }
}
