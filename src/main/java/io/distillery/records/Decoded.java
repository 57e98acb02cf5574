package io.distillery.records;

import java.util.Objects;

/**
 * The outcome of decoding one payload: a valid record, or the reason it was rejected with a detail
 * for the operator. Exactly one of {@link #record()} and {@link #reason()} is non-null.
 */
public record Decoded(InputRecord record, RejectReason reason, String detail) {
    public static Decoded ok(InputRecord record) {
        return new Decoded(Objects.requireNonNull(record), null, null);
    }

    public static Decoded rejected(RejectReason reason, String detail) {
        return new Decoded(null, Objects.requireNonNull(reason), detail);
    }

    public boolean valid() {
        return record != null;
    }
}
