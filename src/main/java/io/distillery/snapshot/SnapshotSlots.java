package io.distillery.snapshot;

/**
 * The keys of snapshot messages. A snapshot of version {@code v} is written under {@code model/slot} with
 * slot = v modulo the retained version count, so that compaction keeps a ring of a model's newest versions
 * (the writer never reuses a version, so the ring holds the last {@code retain} versions it published).
 * Releases before the ring wrote the bare model name; readers take both.
 */
public final class SnapshotSlots {
    private static final char SEPARATOR = '/';

    private SnapshotSlots() {
    }

    /** The key of version {@code version} of {@code model} in a ring of {@code retain} slots. */
    public static String key(String model, long version, int retain) {
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be >= 1, was " + retain);
        }
        return model + SEPARATOR + Math.floorMod(version, retain);
    }

    /** The model a key belongs to: the part before {@code /slot}, or the whole key (the key before the ring). */
    public static String model(String key) {
        int at = key.lastIndexOf(SEPARATOR);
        if (at < 0 || at == key.length() - 1) {
            return key;
        }
        for (int i = at + 1; i < key.length(); i++) {
            if (key.charAt(i) < '0' || key.charAt(i) > '9') {
                return key;
            }
        }
        return key.substring(0, at);
    }
}
