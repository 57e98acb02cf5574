package io.distillery.feedback;

/**
 * An online change detector over a stream of real values (errors in {0, 1}, or a divergence).
 *
 * <p>Implementations are not thread-safe: one detector is owned by one thread (in the monitor, the
 * single stream task that sees the whole evaluation sequence). Their whole state can be taken as bytes
 * with {@link #snapshot()} and put back with {@link #restore(byte[])}, so a detector can live in a
 * Kafka Streams state store and survive a restart; a restored detector continues exactly as the one
 * it was taken from.
 */
public interface DriftDetector {

    /**
     * Feeds one value.
     *
     * @return {@code true} when a change is detected at this input
     */
    boolean add(double value);

    /** A short stable name, used in drift signals and metric tags ({@code ADWIN}, {@code PageHinkley}). */
    String name();

    /** Forgets everything seen, keeping the parameters. */
    void reset();

    /** The whole state, parameters included, as bytes (the first byte is a format version). */
    byte[] snapshot();

    /**
     * Replaces this detector's state with a snapshot of a detector of the same kind.
     *
     * @throws IllegalArgumentException when the bytes are not such a snapshot, or their version is unknown
     */
    void restore(byte[] snapshot);
}
