package io.distillery.ingest;

import java.util.function.LongSupplier;

/**
 * Spaces records out to a target rate. {@code rate <= 0} means as fast as possible. Time comes from an
 * injected nanosecond clock and sleeping from an injected sleeper, so tests run without waiting.
 * Not thread-safe.
 */
public final class Pacer {
    /** Sleeps for the given nanoseconds. */
    @FunctionalInterface
    public interface Sleeper {
        void sleepNanos(long nanos) throws InterruptedException;
    }

    private final double ratePerSecond;
    private final LongSupplier nanoTime;
    private final Sleeper sleeper;
    private long start = Long.MIN_VALUE;
    private long count;

    public Pacer(double ratePerSecond, LongSupplier nanoTime, Sleeper sleeper) {
        this.ratePerSecond = ratePerSecond;
        this.nanoTime = nanoTime;
        this.sleeper = sleeper;
    }

    public static Pacer system(double ratePerSecond) {
        return new Pacer(ratePerSecond, System::nanoTime,
            nanos -> Thread.sleep(nanos / 1_000_000, (int) (nanos % 1_000_000)));
    }

    /** Waits until the next record is due. */
    public void await() throws InterruptedException {
        if (ratePerSecond <= 0) {
            return;
        }
        long now = nanoTime.getAsLong();
        if (start == Long.MIN_VALUE) {
            start = now;
        }
        long due = start + (long) (count++ * 1e9 / ratePerSecond);
        if (due > now) {
            sleeper.sleepNanos(due - now);
        }
    }
}
