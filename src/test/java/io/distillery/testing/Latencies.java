package io.distillery.testing;

import java.util.Arrays;

/**
 * Nearest-rank percentiles of a set of durations in nanoseconds.
 *
 * @param count how many durations
 * @param p50Nanos median
 * @param p99Nanos 99th percentile
 * @param maxNanos largest
 */
public record Latencies(int count, long p50Nanos, long p99Nanos, long maxNanos) {

    /** The percentiles of {@code nanos} (sorted in place); all zero when empty. */
    public static Latencies of(long[] nanos) {
        if (nanos.length == 0) {
            return new Latencies(0, 0, 0, 0);
        }
        Arrays.sort(nanos);
        return new Latencies(nanos.length, rank(nanos, 0.50), rank(nanos, 0.99), nanos[nanos.length - 1]);
    }

    private static long rank(long[] sorted, double q) {
        int i = (int) Math.ceil(q * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    public double p50Ms() {
        return p50Nanos / 1e6;
    }

    public double p99Ms() {
        return p99Nanos / 1e6;
    }

    public double maxMs() {
        return maxNanos / 1e6;
    }
}
