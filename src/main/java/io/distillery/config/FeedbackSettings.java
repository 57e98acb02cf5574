package io.distillery.config;

import io.distillery.spec.DriftSignal;
import java.util.List;

/**
 * How the teacher adapts to {@code distill.feedback}: adaptive logit emission for unlabeled records
 * (emitter) and the drift response (emitter and trainer). Validated on construction; errors name the key
 * and the bad value.
 *
 * @param enabled whether the teacher acts on feedback at all; off, every record gets logits and drift
 *     signals change nothing (the baseline that measures the gain)
 * @param agreementThreshold window agreement at or above which the emission share shrinks, in [0, 1]
 * @param agreementLow window agreement below which the share goes straight back to 1, in [0, threshold]
 * @param minShare smallest share of unlabeled records that still get logits, in (0, 1]
 * @param shareStep factor the share is multiplied by per good window (divided by per poor one), in (0, 1)
 * @param minWindowRecords windows with fewer evaluated records are ignored
 * @param classBoost factor (>= 1) on the share of classes whose window agreement is below the threshold
 * @param driftRecords how long a drift response lasts: input records for the emitter, labeled records
 *     for the trainer
 * @param driftLrBoost learning-rate multiplier of the trainer during a drift response, > 0
 * @param driftFlushFraction share of the oldest replay-buffer records the trainer drops on drift, in [0, 1]
 * @param driftResetOptimizer whether the trainer resets its optimizer state on drift
 * @param rewindMessages how many of the latest feedback messages a starting teacher reads again
 * @param driftSignals which monitor signals start a drift response ({@code teacher-error}, {@code divergence})
 */
public record FeedbackSettings(boolean enabled, double agreementThreshold, double agreementLow, double minShare,
                               double shareStep, long minWindowRecords, double classBoost, long driftRecords,
                               double driftLrBoost, double driftFlushFraction, boolean driftResetOptimizer,
                               int rewindMessages, java.util.Set<String> driftSignals) {
    public static final ConfigKey ENABLED = new ConfigKey("feedback.enabled", "true",
        "whether the teacher adapts emission and training to distill.feedback (false: logits for every record)");
    public static final ConfigKey AGREEMENT_THRESHOLD = new ConfigKey("feedback.agreement.threshold", "0.9",
        "window student-teacher agreement at or above which the unlabeled emission share shrinks, ratio");
    public static final ConfigKey AGREEMENT_LOW = new ConfigKey("feedback.agreement.low", "0.8",
        "window agreement below which the emission share goes straight back to 1, ratio");
    public static final ConfigKey MIN_SHARE = new ConfigKey("feedback.min.share", "0.1",
        "smallest share of unlabeled records that get teacher logits, ratio in (0, 1]");
    public static final ConfigKey SHARE_STEP = new ConfigKey("feedback.share.step", "0.5",
        "factor on the emission share per good window (divisor per poor one), in (0, 1)");
    public static final ConfigKey MIN_WINDOW_RECORDS = new ConfigKey("feedback.min.window.records", "100",
        "feedback windows with fewer evaluated records are ignored, records");
    public static final ConfigKey CLASS_BOOST = new ConfigKey("feedback.class.boost", "2.0",
        "factor (>= 1) on the emission share of classes whose agreement is below the threshold");
    public static final ConfigKey DRIFT_RECORDS = new ConfigKey("feedback.drift.records", "5000",
        "length of a drift response: input records (emitter) or labeled records (trainer)");
    public static final ConfigKey DRIFT_LR_BOOST = new ConfigKey("feedback.drift.lr.boost", "3.0",
        "learning-rate multiplier of the teacher trainer during a drift response");
    public static final ConfigKey DRIFT_FLUSH_FRACTION = new ConfigKey("feedback.drift.flush.fraction", "0.5",
        "share of the oldest replay-buffer records the teacher trainer drops on drift, ratio");
    public static final ConfigKey DRIFT_RESET_OPTIMIZER = new ConfigKey("feedback.drift.reset.optimizer", "false",
        "whether the teacher trainer resets its optimizer state on drift");
    public static final ConfigKey REWIND_MESSAGES = new ConfigKey("feedback.rewind.messages", "10",
        "latest distill.feedback messages a starting teacher reads again, messages per partition");
    // Divergence rises whenever a sharper teacher is published or a lagging student catches up, and a
    // falling agreement already raises the emission share; the teacher's labeled error rises only when
    // the concept changes. So only it starts a drift response unless configured otherwise.
    public static final ConfigKey DRIFT_SIGNALS = new ConfigKey("feedback.drift.signals", "teacher-error",
        "monitor drift signals that start a drift response, comma-separated: teacher-error, divergence");
    public static final List<ConfigKey> KEYS = List.of(ENABLED, AGREEMENT_THRESHOLD, AGREEMENT_LOW, MIN_SHARE,
        SHARE_STEP, MIN_WINDOW_RECORDS, CLASS_BOOST, DRIFT_RECORDS, DRIFT_LR_BOOST, DRIFT_FLUSH_FRACTION,
        DRIFT_RESET_OPTIMIZER, REWIND_MESSAGES, DRIFT_SIGNALS);
    private static final java.util.Set<String> SIGNALS = java.util.Set.of("teacher-error", "divergence");

    public FeedbackSettings {
        Checks.inRange(AGREEMENT_THRESHOLD, agreementThreshold, 0, 1);
        Checks.inRange(AGREEMENT_LOW, agreementLow, 0, 1);
        if (agreementLow > agreementThreshold) {
            throw ConfigException.invalid(AGREEMENT_LOW.name(), agreementLow,
                "must be <= " + AGREEMENT_THRESHOLD.name() + " (" + agreementThreshold + ")");
        }
        Checks.positive(MIN_SHARE, minShare);
        Checks.inRange(MIN_SHARE, minShare, 0, 1);
        if (!(shareStep > 0 && shareStep < 1)) {
            throw ConfigException.invalid(SHARE_STEP.name(), shareStep, "must be in (0, 1)");
        }
        Checks.notNegative(MIN_WINDOW_RECORDS, minWindowRecords);
        Checks.inRange(CLASS_BOOST, classBoost, 1, Double.MAX_VALUE);
        Checks.notNegative(DRIFT_RECORDS, driftRecords);
        Checks.positive(DRIFT_LR_BOOST, driftLrBoost);
        Checks.inRange(DRIFT_FLUSH_FRACTION, driftFlushFraction, 0, 1);
        Checks.notNegative(REWIND_MESSAGES, rewindMessages);
        driftSignals = java.util.Set.copyOf(driftSignals);
        if (!SIGNALS.containsAll(driftSignals)) {
            throw ConfigException.invalid(DRIFT_SIGNALS.name(), String.join(",", driftSignals),
                "must name only teacher-error and divergence");
        }
    }

    /** The drift signals of the message that this configuration reacts to. */
    public List<DriftSignal> relevant(List<DriftSignal> signals) {
        return signals.stream().filter(d -> driftSignals.contains(d.signal())).toList();
    }

    /** The defaults of every key. */
    public static FeedbackSettings defaults() {
        return from(Config.defaults());
    }

    public static FeedbackSettings from(Config c) {
        return new FeedbackSettings(c.getBoolean(ENABLED), c.getDouble(AGREEMENT_THRESHOLD),
            c.getDouble(AGREEMENT_LOW), c.getDouble(MIN_SHARE), c.getDouble(SHARE_STEP),
            c.getLong(MIN_WINDOW_RECORDS), c.getDouble(CLASS_BOOST), c.getLong(DRIFT_RECORDS),
            c.getDouble(DRIFT_LR_BOOST), c.getDouble(DRIFT_FLUSH_FRACTION), c.getBoolean(DRIFT_RESET_OPTIMIZER),
            c.getInt(REWIND_MESSAGES), signals(c));
    }

    private static java.util.Set<String> signals(Config c) {
        java.util.Set<String> out = new java.util.TreeSet<>();
        for (String part : c.getString(DRIFT_SIGNALS).split(",")) {
            if (!part.isBlank()) {
                out.add(part.trim());
            }
        }
        return out;
    }
}
