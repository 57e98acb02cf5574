package io.distillery.modelstore;

import java.time.Clock;

/**
 * When a role that trains a model publishes its next snapshot: every {@code everySteps} training steps,
 * or every {@code everyMs} once anything happened since the last one. Records consumed without a step
 * (invalid ones, or too few for a batch) count as something: their offsets must reach a snapshot too, or a
 * restarted role reads them again. Idle replay steps count as something but not towards {@code everySteps}: a
 * caught-up role replays as fast as it can, and counting them would publish many versions a second (each one a
 * swap on every serving replica) where the records and the steps they earn gave one every few seconds. Not
 * thread-safe: the loop that trains owns it.
 */
public final class SnapshotSchedule {
    private final long everySteps;
    private final long everyMs;
    private final Clock clock;
    private long steps;
    private boolean consumed;
    private boolean replayedIdly;
    private long lastMs;

    /**
     * @param everySteps publish after this many steps, {@code > 0}
     * @param everyMs publish after this long when anything happened, milliseconds, {@code > 0}
     */
    public SnapshotSchedule(long everySteps, long everyMs, Clock clock) {
        if (everySteps <= 0 || everyMs <= 0) {
            throw new IllegalArgumentException("snapshot schedule needs everySteps > 0 and everyMs > 0, was "
                + everySteps + " and " + everyMs);
        }
        this.everySteps = everySteps;
        this.everyMs = everyMs;
        this.clock = clock;
        this.lastMs = clock.millis();
    }

    /** Counts training steps taken since the last snapshot. */
    public void stepped(long n) {
        steps += n;
    }

    /** Notes an idle replay step: the model changed, and a snapshot is due after {@code everyMs}. */
    public void idleStepped() {
        replayedIdly = true;
    }

    /** Notes that records were consumed (whether or not they led to a step). */
    public void consumed() {
        consumed = true;
    }

    /** Whether anything would be lost if the role stopped now without publishing. */
    public boolean pending() {
        return steps > 0 || consumed || replayedIdly;
    }

    /** Whether the next snapshot is due now. */
    public boolean due() {
        return steps >= everySteps || (pending() && clock.millis() - lastMs >= everyMs);
    }

    /** A snapshot was published: start counting again. */
    public void published() {
        steps = 0;
        consumed = false;
        replayedIdly = false;
        lastMs = clock.millis();
    }
}
