package io.distillery.records;

import java.util.Locale;

/** Why an input record went to the dead-letter topic. {@link #tag()} is the metric tag and header value. */
public enum RejectReason {
    MALFORMED_JSON,
    MISSING_ID,
    FEATURE_COUNT,
    NON_FINITE,
    LABEL_OUT_OF_RANGE,
    MISSING_LABEL,
    OVERSIZED,
    MALFORMED_CSV,
    /** An internal message (logits, evaluation, feedback) that does not decode. */
    MALFORMED_MESSAGE,
    /** Logits whose width is not data.classes or features whose width is not data.features. */
    WRONG_SHAPE;

    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static RejectReason ofTag(String tag) {
        return valueOf(tag.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
