package io.distillery.records;

import java.time.Clock;

/**
 * The accepted range of event times: not negative, and at most {@code data.max.future.ms} ahead of the
 * reader's clock. A record from far in the future would advance the monitor's stream time and make every
 * later window late, so each role that reads event time refuses it where the record enters. Thread-safe.
 */
public final class EventTimeBound {
    private final long maxFutureMs;
    private final Clock clock;

    /** @param maxFutureMs the largest accepted lead over {@code clock}, ms */
    public EventTimeBound(long maxFutureMs, Clock clock) {
        if (maxFutureMs < 0) {
            throw new IllegalArgumentException("max future must not be negative, was " + maxFutureMs);
        }
        this.maxFutureMs = maxFutureMs;
        this.clock = clock;
    }

    /** The latest event time accepted now, ms. */
    public long latestAccepted() {
        return clock.millis() + maxFutureMs;
    }

    /** Whether the event time is in range now. */
    public boolean accepts(long eventTimeMs) {
        return check(eventTimeMs) == null;
    }

    /** Why the event time is refused now, or {@code null} when it is accepted. */
    public Rejected check(long eventTimeMs) {
        if (eventTimeMs < 0) {
            return new Rejected(RejectReason.VALUE_OUT_OF_RANGE, "event time " + eventTimeMs + " is negative");
        }
        long now = clock.millis();
        if (eventTimeMs - now > maxFutureMs) {
            return new Rejected(RejectReason.FUTURE_EVENT_TIME, "event time " + eventTimeMs + " is "
                + (eventTimeMs - now) + " ms ahead of the clock (" + now + "), more than data.max.future.ms="
                + maxFutureMs);
        }
        return null;
    }
}
