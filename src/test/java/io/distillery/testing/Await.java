package io.distillery.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Waiting in tests for what another thread does: bounded, and failing at once when that thread failed. */
public final class Await {
    private Await() {
    }

    /**
     * Waits until {@code condition} holds, at most {@code timeout}, asserting on the way that {@code failure}
     * reports none; then asserts the condition, named {@code what}.
     */
    public static void until(BooleanSupplier condition, String what, Duration timeout, Supplier<Throwable> failure)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean() && System.nanoTime() < deadline) {
            assertThat(failure.get()).as("failure while waiting for " + what).isNull();
            Thread.sleep(5);
        }
        assertThat(condition.getAsBoolean()).as(what + " within " + timeout.toSeconds() + " s").isTrue();
    }

    /** As {@link #until(BooleanSupplier, String, Duration, Supplier)} with nothing that can fail. */
    public static void until(BooleanSupplier condition, String what, Duration timeout) throws InterruptedException {
        until(condition, what, timeout, () -> null);
    }
}
