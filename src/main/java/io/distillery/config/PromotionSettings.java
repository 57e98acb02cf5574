package io.distillery.config;

import java.util.List;
import java.util.Locale;

/**
 * How serving scores the student versions it holds and when a new one is served or an old one comes back.
 *
 * @param shadow {@code true} for {@code shadow} (a candidate is served only once it has scored at least as
 *     well as the served version, within the tolerance), {@code false} for {@code immediate} (served at once)
 * @param rows scored rows a candidate and the served version must share before a promotion decision, and the
 *     rows of the served and previous versions that a rollback decision reads (the scoring window)
 * @param tolerance how much lower than the served version's a candidate's agreement with the teacher may be
 * @param rollbackThreshold how much lower than the previous version's the served version's agreement may fall
 *     before serving rolls back
 * @param scoreSample fraction of {@code distill.teacher.logits} rows scored, chosen by a hash of the record id
 * @param shadowSample fraction of infer requests also answered, unseen, by the candidate and previous versions
 * @param shadowQueue shadow requests waiting to be scored; beyond, they are dropped and counted
 */
public record PromotionSettings(boolean shadow, int rows, double tolerance, double rollbackThreshold,
                                double scoreSample, double shadowSample, int shadowQueue) {
    public static final ConfigKey MODE = new ConfigKey("serve.promotion", "shadow",
        "shadow: a new student version is served only after serve.promotion.rows scored rows show it not worse "
            + "than the served one by more than serve.promotion.tolerance; immediate: served at once");
    public static final ConfigKey ROWS = new ConfigKey("serve.promotion.rows", "500",
        "rows of distill.teacher.logits scored on both versions before a promotion or rollback decision");
    public static final ConfigKey TOLERANCE = new ConfigKey("serve.promotion.tolerance", "0.02",
        "how much lower a candidate's agreement with the teacher may be than the served version's, in [0, 1]");
    public static final ConfigKey ROLLBACK_THRESHOLD = new ConfigKey("serve.rollback.threshold", "0.05",
        "serving rolls back when the served version's agreement with the teacher falls below the previous "
            + "version's on the same rows by more than this, in [0, 1]; 1 never rolls back");
    public static final ConfigKey SCORE_SAMPLE = new ConfigKey("serve.score.sample", "0.1",
        "fraction of distill.teacher.logits rows each serving instance scores (chosen by record id, so replicas "
            + "score the same rows), in (0, 1]");
    public static final ConfigKey SHADOW_SAMPLE = new ConfigKey("serve.shadow.sample", "0.05",
        "fraction of infer requests also answered by the candidate and previous versions off the request "
            + "thread (never returned), in [0, 1]");
    public static final ConfigKey SHADOW_QUEUE = new ConfigKey("serve.shadow.queue.size", "64",
        "shadow requests waiting to be answered; when full a new one is dropped and counted");
    public static final List<ConfigKey> KEYS = List.of(MODE, ROWS, TOLERANCE, ROLLBACK_THRESHOLD, SCORE_SAMPLE,
        SHADOW_SAMPLE, SHADOW_QUEUE);

    /** Served at once, scored all the same (for embedding and tests that feed snapshots by hand). */
    public static final PromotionSettings IMMEDIATE = new PromotionSettings(false, 500, 0.02, 0.05, 0.1, 0.05, 64);

    public PromotionSettings {
        Checks.positive(ROWS, rows);
        Checks.inRange(TOLERANCE, tolerance, 0, 1);
        Checks.inRange(ROLLBACK_THRESHOLD, rollbackThreshold, 0, 1);
        Checks.positive(SCORE_SAMPLE, scoreSample);
        Checks.inRange(SCORE_SAMPLE, scoreSample, 0, 1);
        Checks.inRange(SHADOW_SAMPLE, shadowSample, 0, 1);
        Checks.positive(SHADOW_QUEUE, shadowQueue);
    }

    public static PromotionSettings from(Config c) {
        String mode = c.getString(MODE).toLowerCase(Locale.ROOT);
        if (!mode.equals("shadow") && !mode.equals("immediate")) {
            throw ConfigException.invalid(MODE.name(), mode, "must be shadow or immediate");
        }
        return new PromotionSettings(mode.equals("shadow"), c.getInt(ROWS), c.getDouble(TOLERANCE),
            c.getDouble(ROLLBACK_THRESHOLD), c.getDouble(SCORE_SAMPLE), c.getDouble(SHADOW_SAMPLE),
            c.getInt(SHADOW_QUEUE));
    }

    /** {@code shadow} or {@code immediate}. */
    public String mode() {
        return shadow ? "shadow" : "immediate";
    }
}
