package io.distillery.feedback;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * ADWIN2, the adaptive sliding window of Bifet and Gavaldà ("Learning from time-changing data with
 * adaptive windowing", SDM 2007), with the parameters and reporting of MOA's drift detector.
 *
 * <p>The window is summarised by an exponential histogram: row {@code i} holds up to {@link #MAX_BUCKETS}
 * buckets of 2<sup>i</sup> values each (total and variance), oldest first; when a row overflows, its
 * two oldest buckets merge into one bucket of the next row. Every {@code clock} inputs (32, as in MOA),
 * when the window holds more than 10 values, every split of the window at a bucket boundary into an
 * older and a newer part of at least 5 values each is tested with the bound of the paper (variance
 * form); while some split differs, the oldest bucket is dropped and the test is repeated.
 *
 * <p>{@link #add} follows MOA's {@code ADWINChangeDetector}: it reports a change only when the window
 * shrank at this input <em>and</em> its mean went up (a rising error or divergence); a drop of the mean
 * shrinks the window silently ({@link #cuts()} counts both). (MOA's detector sets its change flag at such
 * an input and never clears it inside {@code input}; the reference indices, and {@code add}, are the
 * inputs at which it is set.) With δ = 0.002 this reproduces MOA's indices exactly on the reference
 * vectors (DriftDetectorTest). Memory is O(M log(W)). Not thread-safe.
 */
public final class Adwin implements DriftDetector {
    /** The detector tag of its drift signals. */
    public static final String NAME = "ADWIN";
    /** Buckets per row before two merge (MOA's M). */
    public static final int MAX_BUCKETS = 5;
    /** Inputs between two cut checks in MOA. */
    public static final int MOA_CLOCK = 32;
    private static final int MIN_WIDTH_TO_CHECK = 10;
    private static final int MIN_SUB_WINDOW = 5;
    private static final byte FORMAT = 1;

    private double delta;
    private int clock;
    private long time;
    private long width;
    private double total;
    private double variance;
    private long cuts;
    private final List<Row> rows = new ArrayList<>();

    /** ADWIN with MOA's default confidence δ = 0.002 and clock 32. */
    public Adwin() {
        this(0.002);
    }

    /**
     * @param delta confidence of the cut test, in (0, 1)
     * @throws IllegalArgumentException when delta is outside (0, 1)
     */
    public Adwin(double delta) {
        this(delta, MOA_CLOCK);
    }

    /**
     * @param delta confidence of the cut test, in (0, 1)
     * @param clock inputs between two cut checks, at least 1
     */
    public Adwin(double delta, int clock) {
        if (!(delta > 0 && delta < 1)) {
            throw new IllegalArgumentException("ADWIN delta must be in (0, 1), was " + delta);
        }
        if (clock < 1) {
            throw new IllegalArgumentException("ADWIN clock must be >= 1, was " + clock);
        }
        this.delta = delta;
        this.clock = clock;
        reset();
    }

    @Override
    public boolean add(double value) {
        double before = estimation();
        boolean cut = insertAndCheck(value);
        return cut && estimation() > before;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void reset() {
        time = 0;
        width = 0;
        total = 0;
        variance = 0;
        cuts = 0;
        rows.clear();
        rows.add(new Row());
    }

    /** Mean of the values in the window (0 when empty). */
    public double estimation() {
        return width > 0 ? total / width : 0;
    }

    /** Values in the window. */
    public long width() {
        return width;
    }

    /** Inputs at which the window shrank, whether its mean went up or down. */
    public long cuts() {
        return cuts;
    }

    private boolean insertAndCheck(double value) {
        time++;
        insert(value);
        if (time % clock != 0 || width <= MIN_WIDTH_TO_CHECK) {
            return false;
        }
        boolean shrank = false;
        while (dropOldestIfCut()) {
            shrank = true;
        }
        if (shrank) {
            cuts++;
        }
        return shrank;
    }

    private void insert(double value) {
        width++;
        if (width > 1) {
            double d = value - total / (width - 1);
            variance += (width - 1) * d * d / width;
        }
        total += value;
        rows.get(0).append(value, 0);
        compress();
    }

    private void compress() {
        for (int i = 0; i < rows.size(); i++) {
            Row row = rows.get(i);
            if (row.size <= MAX_BUCKETS) {
                return;
            }
            if (i + 1 == rows.size()) {
                rows.add(new Row());
            }
            long n = 1L << i;
            double d = row.totals[0] / n - row.totals[1] / n;
            double merged = row.variances[0] + row.variances[1] + n * n * d * d / (n + n);
            rows.get(i + 1).append(row.totals[0] + row.totals[1], merged);
            row.dropOldest(2);
        }
    }

    /** Tests every split from the oldest end; on the first that differs drops the oldest bucket. */
    private boolean dropOldestIfCut() {
        long n0 = 0;
        long n1 = width;
        double u0 = 0;
        double u1 = total;
        for (int i = rows.size() - 1; i >= 0; i--) {
            Row row = rows.get(i);
            long size = 1L << i;
            for (int k = 0; k < row.size; k++) {
                n0 += size;
                n1 -= size;
                u0 += row.totals[k];
                u1 -= row.totals[k];
                if (i == 0 && k == row.size - 1) {
                    return false;
                }
                if (n0 >= MIN_SUB_WINDOW && n1 >= MIN_SUB_WINDOW && differ(n0, n1, u0 / n0 - u1 / n1)) {
                    dropOldestBucket();
                    return true;
                }
            }
        }
        return false;
    }

    private boolean differ(long n0, long n1, double meanDifference) {
        double dd = Math.log(2 * Math.log(width) / delta);
        double v = variance / width;
        double m = 1.0 / (n0 - MIN_SUB_WINDOW + 1) + 1.0 / (n1 - MIN_SUB_WINDOW + 1);
        double epsilon = Math.sqrt(2 * m * v * dd) + 2.0 / 3 * dd * m;
        return Math.abs(meanDifference) > epsilon;
    }

    private void dropOldestBucket() {
        int last = rows.size() - 1;
        Row row = rows.get(last);
        long n = 1L << last;
        width -= n;
        total -= row.totals[0];
        double d = row.totals[0] / n - total / width;
        variance -= row.variances[0] + n * width * d * d / (n + width);
        row.dropOldest(1);
        if (row.size == 0 && last > 0) {
            rows.remove(last);
        }
    }

    @Override
    public byte[] snapshot() {
        int buckets = rows.stream().mapToInt(r -> r.size).sum();
        ByteBuffer b = ByteBuffer.allocate(1 + 8 + 4 + 8 * 5 + 4 + 4 * rows.size() + 16 * buckets);
        b.put(FORMAT).putDouble(delta).putInt(clock).putLong(time).putLong(width).putDouble(total)
            .putDouble(variance).putLong(cuts).putInt(rows.size());
        for (Row r : rows) {
            b.putInt(r.size);
            for (int k = 0; k < r.size; k++) {
                b.putDouble(r.totals[k]).putDouble(r.variances[k]);
            }
        }
        return b.array();
    }

    @Override
    public void restore(byte[] snapshot) {
        Snapshots.read(snapshot, "ADWIN", FORMAT, b -> {
            double d = b.getDouble();
            int c = b.getInt();
            long t = b.getLong();
            long w = b.getLong();
            double tot = b.getDouble();
            double var = b.getDouble();
            long cutCount = b.getLong();
            int rowCount = b.getInt();
            List<Row> restored = new ArrayList<>();
            for (int i = 0; i < rowCount; i++) {
                Row r = new Row();
                int size = b.getInt();
                for (int k = 0; k < size; k++) {
                    r.append(b.getDouble(), b.getDouble());
                }
                restored.add(r);
            }
            delta = d;
            clock = c;
            time = t;
            width = w;
            total = tot;
            variance = var;
            cuts = cutCount;
            rows.clear();
            rows.addAll(restored);
        });
    }

    /** One row of the histogram: buckets of equal size, oldest at index 0. */
    private static final class Row {
        final double[] totals = new double[MAX_BUCKETS + 1];
        final double[] variances = new double[MAX_BUCKETS + 1];
        int size;

        void append(double bucketTotal, double bucketVariance) {
            if (size == totals.length) {
                throw new IllegalArgumentException("ADWIN row holds more than " + totals.length + " buckets");
            }
            totals[size] = bucketTotal;
            variances[size] = bucketVariance;
            size++;
        }

        void dropOldest(int count) {
            System.arraycopy(totals, count, totals, 0, size - count);
            System.arraycopy(variances, count, variances, 0, size - count);
            size -= count;
        }
    }
}
