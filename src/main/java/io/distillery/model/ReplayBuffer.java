package io.distillery.model;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * A bounded reservoir of past records (features, label, and optionally the teacher logits they
 * carried), sampled uniformly and with a seed. Once full, each new record replaces a random one with
 * probability capacity/seen (reservoir sampling), so the buffer stays a uniform sample of the stream;
 * {@link #flushOldest} drops the records that arrived earliest, for a drift response. Not thread-safe.
 */
public final class ReplayBuffer {
    /** A sampled mini-batch; {@code logits} is null for a buffer without logits. */
    public record Batch(float[][] x, int[] labels, float[][] logits, int[] slots) {
        public int size() {
            return labels.length;
        }
    }

    private final float[][] x;
    private final int[] labels;
    private final float[][] logits;
    private final long[] arrival;
    private final long[] logitsVersion;
    private final SplittableRandom rng;
    private int size;
    private long seen;

    /**
     * @param capacity how many records it holds at most
     * @param withLogits whether records carry teacher logits
     */
    public ReplayBuffer(int capacity, boolean withLogits, long seed) {
        if (capacity <= 0) {
            throw new IllegalArgumentException("replay buffer capacity must be > 0, was " + capacity);
        }
        this.x = new float[capacity][];
        this.labels = new int[capacity];
        this.logits = withLogits ? new float[capacity][] : null;
        this.arrival = new long[capacity];
        this.logitsVersion = new long[capacity];
        this.rng = new SplittableRandom(seed);
    }

    /** Offers one record; it is kept if there is room, else with probability capacity/seen. */
    public void add(float[] features, int label, float[] teacherLogits) {
        add(features, label, teacherLogits, -1);
    }

    /** Offers one record whose logits came from the given teacher version. */
    public void add(float[] features, int label, float[] teacherLogits, long teacherVersion) {
        long n = seen++;
        int slot;
        if (size < x.length) {
            slot = size++;
        } else {
            long r = rng.nextLong(n + 1);
            if (r >= x.length) {
                return;
            }
            slot = (int) r;
        }
        x[slot] = features;
        labels[slot] = label;
        if (logits != null) {
            logits[slot] = teacherLogits;
        }
        arrival[slot] = n;
        logitsVersion[slot] = teacherVersion;
    }

    /** The teacher version that computed the logits held in a slot (from {@link Batch#slots()}). */
    public long logitsVersion(int slot) {
        return logitsVersion[slot];
    }

    /** Replaces the logits of a slot with ones from a newer teacher. */
    public void refresh(int slot, float[] teacherLogits, long teacherVersion) {
        logits[slot] = teacherLogits;
        logitsVersion[slot] = teacherVersion;
    }

    /** {@code n} records drawn uniformly with replacement; empty buffer gives an empty batch. */
    public Batch sample(int n) {
        int k = size == 0 ? 0 : n;
        float[][] bx = new float[k][];
        int[] by = new int[k];
        float[][] bl = logits == null ? null : new float[k][];
        int[] slots = new int[k];
        for (int i = 0; i < k; i++) {
            int j = rng.nextInt(size);
            slots[i] = j;
            bx[i] = x[j];
            by[i] = labels[j];
            if (bl != null) {
                bl[i] = logits[j];
            }
        }
        return new Batch(bx, by, bl, slots);
    }

    /** Drops the given share of the records that arrived earliest; returns how many were dropped. */
    public int flushOldest(double fraction) {
        if (!(fraction >= 0 && fraction <= 1)) {
            throw new IllegalArgumentException("flush fraction must be in [0, 1], was " + fraction);
        }
        int drop = (int) Math.floor(size * fraction);
        if (drop == 0) {
            return 0;
        }
        long[] sorted = Arrays.copyOf(arrival, size);
        Arrays.sort(sorted);
        long cutoff = sorted[drop - 1];
        int kept = 0;
        for (int i = 0; i < size; i++) {
            if (arrival[i] > cutoff) {
                x[kept] = x[i];
                labels[kept] = labels[i];
                arrival[kept] = arrival[i];
                logitsVersion[kept] = logitsVersion[i];
                if (logits != null) {
                    logits[kept] = logits[i];
                }
                kept++;
            }
        }
        for (int i = kept; i < size; i++) {
            x[i] = null;
            if (logits != null) {
                logits[i] = null;
            }
        }
        int dropped = size - kept;
        size = kept;
        return dropped;
    }

    public int size() {
        return size;
    }

    public int capacity() {
        return x.length;
    }

    /** Records offered so far. */
    public long seen() {
        return seen;
    }
}
