package io.distillery.testing;

import java.util.Arrays;

/** Percentiles of a benchmark's measured samples (times, bytes), for the cost benchmarks that print them. */
public final class Samples {
    private Samples() {
    }

    /** The sample at rank {@code floor(q · n)} of the sorted samples (the largest for q near 1); the array is kept. */
    public static double percentile(double[] values, double q) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.floor(q * sorted.length))];
    }

    /** {@link #percentile} at one half: the upper median of an even count. */
    public static double median(double[] values) {
        return percentile(values, 0.5);
    }
}
