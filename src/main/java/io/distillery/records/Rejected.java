package io.distillery.records;

import java.util.Objects;

/**
 * Why a consumed message is refused: the reason (the dead-letter header and metric tag) and a detail
 * for the operator.
 */
public record Rejected(RejectReason reason, String detail) {
    public Rejected {
        Objects.requireNonNull(reason, "reason");
        Objects.requireNonNull(detail, "detail");
    }
}
