package io.distillery.service;

import java.time.Duration;

/**
 * The one retry policy of every loop and follower: waits that double from {@link #INITIAL} up to
 * {@link #MAX} while a call keeps failing, and start again from {@code INITIAL} after a success.
 * Not thread-safe: one per loop.
 */
public final class Backoff {
    public static final Duration INITIAL = Duration.ofMillis(100);
    public static final Duration MAX = Duration.ofSeconds(10);

    private final long initialMs;
    private final long maxMs;
    private long nextMs;
    private int failures;

    public Backoff() {
        this(INITIAL, MAX);
    }

    /** A policy with other bounds (tests). */
    public Backoff(Duration initial, Duration max) {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max, was " + initial + " and " + max);
        }
        this.initialMs = initial.toMillis();
        this.maxMs = max.toMillis();
        this.nextMs = initialMs;
    }

    /** The wait before the next attempt after one more failure, in milliseconds. */
    public long nextDelayMs() {
        long delay = nextMs;
        nextMs = Math.min(maxMs, nextMs * 2);
        failures++;
        return delay;
    }

    /** Failures since the last success. */
    public int failures() {
        return failures;
    }

    /** A call succeeded: the next failure waits {@link #INITIAL} again. */
    public void reset() {
        nextMs = initialMs;
        failures = 0;
    }
}
