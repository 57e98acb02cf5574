package io.distillery.config;

import java.util.List;

/**
 * The trainer's publish gate: a candidate teacher is published only if its accuracy on a window of held-out
 * labeled records is not worse than the published teacher's on the same rows by more than a tolerance.
 *
 * @param holdoutOneIn one labeled record in this many (chosen by a stable hash of its id) is held out: never
 *     trained on, kept for the window instead; 0 turns the gate off
 * @param windowRows the most recent held-out rows kept (the oldest is dropped beyond it)
 * @param tolerance how much lower (accuracy, in [0, 1]) a candidate may score than the published teacher
 * @param minRows held-out rows needed before the gate judges at all; with fewer, candidates are published
 */
public record TeacherGateSettings(int holdoutOneIn, int windowRows, double tolerance, int minRows) {
    public static final ConfigKey HOLDOUT = new ConfigKey("teacher.gate.holdout", "20",
        "one labeled record in this many (by a stable hash of its id) is held out from teacher training for the "
            + "publish gate's window; 0 = no gate");
    public static final ConfigKey WINDOW = new ConfigKey("teacher.gate.window", "2000",
        "most recent held-out records the publish gate scores teachers on (oldest dropped)");
    public static final ConfigKey TOLERANCE = new ConfigKey("teacher.gate.tolerance", "0.01",
        "a candidate teacher is not published when its accuracy on the window is lower than the published "
            + "teacher's by more than this");
    public static final ConfigKey MIN_ROWS = new ConfigKey("teacher.gate.min.rows", "500",
        "held-out records in the window before the publish gate applies; with fewer, candidates are published");
    public static final List<ConfigKey> KEYS = List.of(HOLDOUT, WINDOW, TOLERANCE, MIN_ROWS);

    public TeacherGateSettings {
        Checks.notNegative(HOLDOUT, holdoutOneIn);
        if (holdoutOneIn == 1) {
            throw ConfigException.invalid(HOLDOUT.name(), holdoutOneIn, "must be 0 (no gate) or at least 2");
        }
        Checks.positive(WINDOW, windowRows);
        Checks.inRange(TOLERANCE, tolerance, 0, 1);
        Checks.positive(MIN_ROWS, minRows);
        Checks.atLeast(WINDOW, windowRows, minRows);
    }

    /** Whether records are held out and candidates judged at all. */
    public boolean enabled() {
        return holdoutOneIn > 0;
    }

    public static TeacherGateSettings from(Config c) {
        return new TeacherGateSettings(c.getInt(HOLDOUT), c.getInt(WINDOW), c.getDouble(TOLERANCE),
            c.getInt(MIN_ROWS));
    }
}
