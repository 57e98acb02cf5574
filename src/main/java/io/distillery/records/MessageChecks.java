package io.distillery.records;

/**
 * The checks of every internal message a role consumes, beyond what its codec already refuses: shapes
 * against {@code data.features} and {@code data.classes}, labels and classes in range, finite numbers,
 * ratios in [0, 1], and event times within the {@link EventTimeBound}. Each answers {@code null} for a
 * valid message, or the first problem found. Stateless apart from its settings; thread-safe.
 */
public final class MessageChecks {
    /** Rounding below zero tolerated in a KL value, nats. */
    private static final double KL_TOLERANCE = 1e-6;

    private final int features;
    private final int classes;
    private final EventTimeBound eventTime;

    public MessageChecks(int features, int classes, EventTimeBound eventTime) {
        this.features = features;
        this.classes = classes;
        this.eventTime = eventTime;
    }

    /** A logits message as the student learns from it. */
    public Rejected logits(LogitsMessage m) {
        if (m.id().isBlank()) {
            return new Rejected(RejectReason.MISSING_ID, "blank record id");
        }
        if (m.features().length != features || m.logits().length != classes) {
            return new Rejected(RejectReason.WRONG_SHAPE, m.features().length + " features and " + m.logits().length
                + " logits, expected " + features + " and " + classes);
        }
        if (m.label() < InputRecord.NO_LABEL || m.label() >= classes) {
            return new Rejected(RejectReason.LABEL_OUT_OF_RANGE, "label " + m.label() + " not in [0, " + classes
                + ") nor " + InputRecord.NO_LABEL);
        }
        Rejected nonFinite = firstNonFinite("features", m.features());
        if (nonFinite == null) {
            nonFinite = firstNonFinite("logits", m.logits());
        }
        if (nonFinite == null) {
            nonFinite = firstNonFinite("hidden", m.hidden());
        }
        if (nonFinite != null) {
            return nonFinite;
        }
        if (m.teacherVersion() < 0) {
            return new Rejected(RejectReason.VALUE_OUT_OF_RANGE, "teacher version " + m.teacherVersion()
                + " is negative");
        }
        return eventTime.check(m.ts());
    }

    /** An evaluation as the monitor aggregates it. */
    public Rejected eval(EvalMessage e) {
        if (e.label() >= classes) {
            return new Rejected(RejectReason.LABEL_OUT_OF_RANGE, "label " + e.label() + " not in [0, " + classes + ")");
        }
        if (e.teacherClass() >= classes || e.studentClass() >= classes) {
            return new Rejected(RejectReason.CLASS_OUT_OF_RANGE, "teacher class " + e.teacherClass()
                + " or student class " + e.studentClass() + " not in [0, " + classes + ")");
        }
        if (!Double.isFinite(e.kl())) {
            return new Rejected(RejectReason.NON_FINITE, "kl " + e.kl() + " is not finite");
        }
        if (e.kl() < -KL_TOLERANCE) {
            return new Rejected(RejectReason.VALUE_OUT_OF_RANGE, "kl " + e.kl() + " is negative");
        }
        return eventTime.check(e.eventTimeMs());
    }

    /** A feedback message as the teacher adapts to it (NaN ratios mean "no data" and pass). */
    public Rejected feedback(FeedbackMessage f) {
        if (f.perClassAgreement().length != classes) {
            return new Rejected(RejectReason.WRONG_SHAPE, f.perClassAgreement().length + " classes, expected "
                + classes);
        }
        if (f.windowEndMs() < f.windowStartMs()) {
            return new Rejected(RejectReason.VALUE_OUT_OF_RANGE, "window ends at " + f.windowEndMs()
                + " before it starts at " + f.windowStartMs());
        }
        if (Double.isInfinite(f.meanKl())) {
            return new Rejected(RejectReason.NON_FINITE, "meanKl is infinite");
        }
        if (f.meanKl() < -KL_TOLERANCE) {
            return new Rejected(RejectReason.VALUE_OUT_OF_RANGE, "meanKl " + f.meanKl() + " is negative");
        }
        Rejected r = ratio("agreement", f.agreement());
        r = r != null ? r : ratio("studentAccuracy", f.studentAccuracy());
        r = r != null ? r : ratio("teacherAccuracy", f.teacherAccuracy());
        for (int c = 0; r == null && c < classes; c++) {
            r = ratio("perClassAgreement[" + c + "]", f.perClassAgreement()[c]);
            if (r == null && f.perClassCount()[c] < 0) {
                r = new Rejected(RejectReason.VALUE_OUT_OF_RANGE, "perClassCount[" + c + "] is negative");
            }
        }
        return r;
    }

    private static Rejected ratio(String name, double v) {
        if (Double.isNaN(v) || v >= 0 && v <= 1) {
            return null;
        }
        return new Rejected(Double.isInfinite(v) ? RejectReason.NON_FINITE : RejectReason.VALUE_OUT_OF_RANGE,
            name + " " + v + " not in [0, 1]");
    }

    private static Rejected firstNonFinite(String name, float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return new Rejected(RejectReason.NON_FINITE, name + "[" + i + "] is " + values[i]);
            }
        }
        return null;
    }
}
