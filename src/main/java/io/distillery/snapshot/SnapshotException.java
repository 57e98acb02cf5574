package io.distillery.snapshot;

import java.util.Objects;

/** A snapshot was refused; {@link #reason()} says at which check. */
public final class SnapshotException extends Exception {

    private final Rejection reason;

    public SnapshotException(Rejection reason, String message) {
        this(reason, message, null);
    }

    public SnapshotException(Rejection reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason") + ": " + message, cause);
        this.reason = reason;
    }

    /** The check that failed. */
    public Rejection reason() {
        return reason;
    }
}
