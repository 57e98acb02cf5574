package io.distillery.service;

/**
 * A part of a role whose state {@code /health} reports: a loop, a follower, a server. Implementations
 * answer from any thread, quickly and without blocking.
 */
public interface HealthCheck {
    /** The part's name as {@code /health} shows it, e.g. {@code teacher-trainer}. */
    String name();

    /** The part's state now. */
    Health health();

    /** The error that stopped the part for good, or {@code null} while it runs or after a requested stop. */
    default Throwable failure() {
        return null;
    }
}
