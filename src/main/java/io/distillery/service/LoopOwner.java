package io.distillery.service;

/**
 * A part of a role whose whole lifecycle is one {@link ServiceLoop} inside it (a follower with its
 * listeners, a followed model): its name, health, failure and close are the loop's.
 */
public interface LoopOwner extends HealthCheck, AutoCloseable {
    /** The loop that does the work. */
    ServiceLoop loop();

    @Override
    default String name() {
        return loop().name();
    }

    @Override
    default Health health() {
        return loop().health();
    }

    @Override
    default Throwable failure() {
        return loop().failure();
    }

    /** Stops the loop and waits for it. */
    @Override
    default void close() {
        loop().close();
    }
}
