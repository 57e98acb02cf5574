package io.distillery.model;

import java.util.function.LongSupplier;

/**
 * The replay a caught-up loop takes in its spare time, on top of the steps its new records earn.
 *
 * <p>Between two polls a caught-up loop may take replay steps for at most {@code sliceMs} (then it polls
 * again, so new records wait at most about one slice), and at most {@code maxSteps} of them since its last
 * {@link #restart} (new records, or for the student a new teacher): a stream that has stopped does not get its
 * buffer replayed forever. Caught up means fewer records waiting than {@code caughtUpBelow} (one training batch): on
 * a continuous stream a few records are almost always in flight, and a loop that waited for a lag of exactly zero
 * would never replay while the stream runs. A lag of a batch or more stops idle replay at once (the lag rule: the stream comes first). {@code sliceMs = 0} or {@code maxSteps = 0} turns
 * it off. Time comes from an injected nanosecond clock. Not thread-safe: one loop thread uses it.
 */
public final class IdleReplay {
    private final long sliceNanos;
    private final long maxSteps;
    private final long caughtUpBelow;
    private final LongSupplier nanoTime;
    private long sliceStart;
    private long sinceRestart;

    /** @param caughtUpBelow a lag below this many records counts as caught up (at least 1: no lag at all) */
    public IdleReplay(long sliceMs, long maxSteps, long caughtUpBelow, LongSupplier nanoTime) {
        if (sliceMs < 0 || maxSteps < 0 || caughtUpBelow < 1) {
            throw new IllegalArgumentException("idle replay slice and steps must not be negative and its caught-up "
                + "lag must be at least 1, were " + sliceMs + " ms, " + maxSteps + " and " + caughtUpBelow);
        }
        this.sliceNanos = sliceMs * 1_000_000;
        this.maxSteps = maxSteps;
        this.caughtUpBelow = caughtUpBelow;
        this.nanoTime = nanoTime;
    }

    /** Whether idle replay is on at all. */
    public boolean enabled() {
        return sliceNanos > 0 && maxSteps > 0;
    }

    /**
     * Something new to learn arrived (records; for the student also a new teacher): the cap of idle steps starts
     * again.
     */
    public void restart() {
        sinceRestart = 0;
    }

    /** A poll found the loop caught up: a new time slice begins now. */
    public void beginSlice() {
        sliceStart = nanoTime.getAsLong();
    }

    /** Whether another idle step may be taken now, with {@code lag} records waiting. */
    public boolean another(long lag) {
        return enabled() && lag < caughtUpBelow && sinceRestart < maxSteps && nanoTime.getAsLong() - sliceStart < sliceNanos;
    }

    /** An idle step was taken. */
    public void stepped() {
        sinceRestart++;
    }
}
