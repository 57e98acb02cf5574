package io.distillery.teacher;

/**
 * A stable hash of a record id onto [0, 1): the same id maps to the same point on every JVM and every
 * run, so an emission decision replays exactly after an aborted transaction. FNV-1a over the id's UTF-16
 * code units, then a 64-bit avalanche finalizer so that ids differing in one trailing digit land far
 * apart. Stateless and thread-safe.
 */
final class RecordHash {
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private RecordHash() {
    }

    /** A point in [0, 1), uniform over ids. */
    static double unit(String recordId) {
        long h = FNV_OFFSET;
        for (int i = 0; i < recordId.length(); i++) {
            h ^= recordId.charAt(i);
            h *= FNV_PRIME;
        }
        return (mix(h) >>> 11) * 0x1.0p-53;
    }

    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }
}
