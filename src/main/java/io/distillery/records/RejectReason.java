package io.distillery.records;

import java.util.Locale;

/**
 * Why a consumed message went to the dead-letter topic. {@link #tag()} is the metric tag and header value;
 * README's dead-letter table lists every one.
 */
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
    WRONG_SHAPE,
    /** An evaluation whose teacher or student class is not in [0, data.classes). */
    CLASS_OUT_OF_RANGE,
    /**
     * A number outside its domain: a negative KL or event time, a ratio outside [0, 1], a negative count,
     * a window that ends before it starts.
     */
    VALUE_OUT_OF_RANGE,
    /** An event time further ahead of the reader's clock than data.max.future.ms. */
    FUTURE_EVENT_TIME;

    public String tag() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    public static RejectReason ofTag(String tag) {
        return valueOf(tag.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
}
