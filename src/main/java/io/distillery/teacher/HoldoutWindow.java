package io.distillery.teacher;

import io.distillery.model.Predictor;

/**
 * The publish gate's validation rows: a stable hash-chosen slice of the labeled stream, one record in
 * {@code oneIn}, which the trainer never learns from. Only the {@code capacity} most recent held-out rows are
 * kept (a ring: the oldest is dropped), so teachers are judged on what the stream looks like now.
 *
 * <p>Threading: owned by the trainer's thread.
 */
final class HoldoutWindow {
    /** Salts the id so the slice held out is unrelated to the emitter's sampling, which hashes the bare id. */
    private static final String SALT = "teacher-gate/";
    private static final int CHUNK = 256;

    private final int oneIn;
    private final float[][] rows;
    private final int[] labels;
    private int next;
    private int size;

    /**
     * @param oneIn hold out one record in this many, 0 for none
     * @param capacity rows kept at most
     */
    HoldoutWindow(int oneIn, int capacity) {
        this.oneIn = oneIn;
        this.rows = new float[capacity][];
        this.labels = new int[capacity];
    }

    /** Whether the record of this id is held out: the same id answers the same on every run and JVM. */
    boolean holdsOut(String recordId) {
        return oneIn > 0 && RecordHash.unit(SALT + recordId) * oneIn < 1;
    }

    /** Keeps one held-out row, dropping the oldest when full. */
    void add(float[] x, int y) {
        rows[next] = x;
        labels[next] = y;
        next = (next + 1) % rows.length;
        size = Math.min(size + 1, rows.length);
    }

    int size() {
        return size;
    }

    /** Drops the oldest {@code fraction} of the rows (a drift made them stale); returns how many. */
    int flushOldest(double fraction) {
        int dropped = (int) Math.floor(size * Math.max(0, Math.min(1, fraction)));
        for (int i = 0; i < dropped; i++) {
            rows[slot(i)] = null;
        }
        size -= dropped;
        return dropped;
    }

    /** Rows the model classifies correctly, predicted in chunks so that memory stays small. */
    int correct(Predictor model) {
        int hits = 0;
        for (int from = 0; from < size; from += CHUNK) {
            float[][] chunk = new float[Math.min(size, from + CHUNK) - from][];
            for (int i = 0; i < chunk.length; i++) {
                chunk[i] = rows[slot(from + i)];
            }
            int[] predicted = model.predict(chunk);
            for (int i = 0; i < predicted.length; i++) {
                if (predicted[i] == labels[slot(from + i)]) {
                    hits++;
                }
            }
        }
        return hits;
    }

    /** The ring slot of the i-th oldest row kept. */
    private int slot(int i) {
        return Math.floorMod(next - size + i, rows.length);
    }
}
