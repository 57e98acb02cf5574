package io.distillery.feedback;

import io.distillery.records.FeedbackMessage;
import io.distillery.spec.DriftSignal;

/**
 * What the monitor topology reports as it goes, for metrics and logs. Called on the stream thread that
 * processes the evaluations; implementations must be quick and must not throw (an exception would fail
 * the stream task). Under exactly-once a call may repeat when a transaction is retried.
 */
public interface MonitorListener {
    /** Does nothing. */
    MonitorListener NONE = new MonitorListener() {
    };

    /** A window closed and its report is being written. */
    default void windowClosed(FeedbackMessage report) {
    }

    /** A detector fired. */
    default void driftDetected(DriftSignal signal) {
    }

    /**
     * An evaluation was refused and is being dead-lettered.
     *
     * @param reason the tag of its {@link io.distillery.records.RejectReason}
     */
    default void evalRejected(String reason) {
    }
}
