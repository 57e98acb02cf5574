package io.distillery.feedback;

import java.nio.ByteBuffer;

/**
 * The Page-Hinkley test for an increase of the mean (Page 1954), in the form of MOA's
 * {@code PageHinkleyDM}: a running mean x̄ of the values since the last reset and a fading cumulative
 * sum S = α·S + (x − x̄ − δ); a change is signalled when S &gt; λ once at least {@code minInstances}
 * values have been seen (counting as MOA does: the test is armed from the (minInstances − 1)-th value).
 * After a detection the next input starts from scratch.
 *
 * <p>Defaults are MOA's: minInstances 30, δ = 0.005, λ = 50, α = 0.9999. Not thread-safe.
 */
public final class PageHinkley implements DriftDetector {
    /** The detector tag of its drift signals. */
    public static final String NAME = "PageHinkley";
    private static final byte FORMAT = 1;

    private int minInstances;
    private double delta;
    private double lambda;
    private double alpha;
    /** One more than the values seen since the last reset (MOA's counter). */
    private long n;
    private double mean;
    private double sum;
    private boolean detected;

    /** MOA's defaults. */
    public PageHinkley() {
        this(30, 0.005, 50, 0.9999);
    }

    /**
     * @param minInstances values to see before a change may be signalled, at least 1
     * @param delta tolerated increase of the mean, not negative
     * @param lambda detection threshold on the cumulative sum, positive
     * @param alpha fading factor of the sum, in (0, 1]
     * @throws IllegalArgumentException when a parameter is out of range
     */
    public PageHinkley(int minInstances, double delta, double lambda, double alpha) {
        if (minInstances < 1) {
            throw new IllegalArgumentException("Page-Hinkley minInstances must be >= 1, was " + minInstances);
        }
        if (!(delta >= 0) || !Double.isFinite(delta)) {
            throw new IllegalArgumentException("Page-Hinkley delta must not be negative, was " + delta);
        }
        if (!(lambda > 0) || !Double.isFinite(lambda)) {
            throw new IllegalArgumentException("Page-Hinkley lambda must be > 0, was " + lambda);
        }
        if (!(alpha > 0 && alpha <= 1)) {
            throw new IllegalArgumentException("Page-Hinkley alpha must be in (0, 1], was " + alpha);
        }
        this.minInstances = minInstances;
        this.delta = delta;
        this.lambda = lambda;
        this.alpha = alpha;
        reset();
    }

    @Override
    public boolean add(double x) {
        if (detected) {
            reset();
        }
        mean = mean + (x - mean) / n;
        sum = alpha * sum + (x - mean - delta);
        n++;
        detected = n >= minInstances && sum > lambda;
        return detected;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void reset() {
        n = 1;
        mean = 0;
        sum = 0;
        detected = false;
    }

    /** Mean of the values since the last reset. */
    public double estimation() {
        return mean;
    }

    @Override
    public byte[] snapshot() {
        return ByteBuffer.allocate(1 + 4 + 8 * 3 + 8 + 8 * 2 + 1).put(FORMAT).putInt(minInstances)
            .putDouble(delta).putDouble(lambda).putDouble(alpha).putLong(n).putDouble(mean).putDouble(sum)
            .put((byte) (detected ? 1 : 0)).array();
    }

    @Override
    public void restore(byte[] snapshot) {
        Snapshots.read(snapshot, "Page-Hinkley", FORMAT, b -> {
            int min = b.getInt();
            double d = b.getDouble();
            double l = b.getDouble();
            double a = b.getDouble();
            long count = b.getLong();
            double m = b.getDouble();
            double s = b.getDouble();
            boolean det = b.get() != 0;
            minInstances = min;
            delta = d;
            lambda = l;
            alpha = a;
            n = count;
            mean = m;
            sum = s;
            detected = det;
        });
    }
}
