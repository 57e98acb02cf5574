package io.distillery.serving;

/**
 * The outcomes of the last {@code capacity} scored rows, each row scored on one or more model versions
 * (a hit is an answer that agreed with the reference: the teacher's class, the label or the served answer).
 * Versions are compared only on the rows both of them scored. Bounded: a new row replaces the oldest.
 *
 * <p>Not thread-safe: used on the scoring thread only.
 */
final class RowWindow {
    /** Rows that both versions scored, and how many each got right. */
    record Comparison(int rows, int hitsA, int hitsB) {
        double a() {
            return rows == 0 ? Double.NaN : (double) hitsA / rows;
        }

        double b() {
            return rows == 0 ? Double.NaN : (double) hitsB / rows;
        }
    }

    private final long[][] versions;
    private final boolean[][] hits;
    private int next;
    private int size;

    RowWindow(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be >= 1, was " + capacity);
        }
        versions = new long[capacity][];
        hits = new boolean[capacity][];
    }

    /** Adds one row: the versions that scored it and whether each agreed with the reference. */
    void add(long[] rowVersions, boolean[] rowHits) {
        if (rowVersions.length != rowHits.length) {
            throw new IllegalArgumentException(rowVersions.length + " versions but " + rowHits.length + " outcomes");
        }
        versions[next] = rowVersions;
        hits[next] = rowHits;
        next = (next + 1) % versions.length;
        size = Math.min(size + 1, versions.length);
    }

    /** The rows both {@code a} and {@code b} scored and the hits of each. */
    Comparison compare(long a, long b) {
        int rows = 0;
        int hitsA = 0;
        int hitsB = 0;
        for (int r = 0; r < size; r++) {
            int ia = indexOf(versions[r], a);
            int ib = indexOf(versions[r], b);
            if (ia >= 0 && ib >= 0) {
                rows++;
                hitsA += hits[r][ia] ? 1 : 0;
                hitsB += hits[r][ib] ? 1 : 0;
            }
        }
        return new Comparison(rows, hitsA, hitsB);
    }

    /** The share of hits of {@code version} over the rows it scored, or NaN when it scored none. */
    double score(long version) {
        Comparison c = compare(version, version);
        return c.a();
    }

    private static int indexOf(long[] row, long version) {
        for (int i = 0; i < row.length; i++) {
            if (row[i] == version) {
                return i;
            }
        }
        return -1;
    }
}
