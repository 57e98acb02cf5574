package io.distillery.serving;

import java.util.Locale;

/**
 * When a candidate is served or refused, and when the served version gives way to the previous one, from
 * their agreement with the teacher on the same rows. Pure and stateless.
 *
 * <ul>
 *   <li>Nothing is decided while an operator has pinned a version.</li>
 *   <li>A candidate is decided once it and the served version share {@code rows} scored rows: promoted when
 *       its agreement is at most {@code tolerance} below the served version's, else refused.</li>
 *   <li>Otherwise, once the served and previous versions share {@code rows} scored rows, serving rolls back
 *       when the served version's agreement is more than {@code rollbackThreshold} below the previous one's.</li>
 * </ul>
 */
final class PromotionPolicy {
    /** What to do now; {@code version} is the candidate (promote, refuse) or the served version (roll back). */
    record Decision(Action action, long version, String reason) {
        static final Decision NONE = new Decision(Action.NONE, -1, "");
    }

    enum Action { NONE, PROMOTE, REFUSE, ROLL_BACK }

    /** The versions in play; -1 when absent. */
    record Lineup(long served, long previous, long candidate, boolean operatorPinned) {
    }

    private final int rows;
    private final double tolerance;
    private final double rollbackThreshold;

    PromotionPolicy(int rows, double tolerance, double rollbackThreshold) {
        this.rows = rows;
        this.tolerance = tolerance;
        this.rollbackThreshold = rollbackThreshold;
    }

    Decision decide(Lineup lineup, RowWindow teacher) {
        if (lineup.operatorPinned() || lineup.served() < 0) {
            return Decision.NONE;
        }
        if (lineup.candidate() >= 0) {
            RowWindow.Comparison c = teacher.compare(lineup.candidate(), lineup.served());
            if (c.rows() < rows) {
                return Decision.NONE;
            }
            String scores = scores(c, "candidate", lineup.candidate(), "served", lineup.served());
            return c.a() >= c.b() - tolerance
                ? new Decision(Action.PROMOTE, lineup.candidate(), scores)
                : new Decision(Action.REFUSE, lineup.candidate(), scores + ": worse by more than the tolerance "
                    + tolerance);
        }
        if (lineup.previous() >= 0) {
            RowWindow.Comparison c = teacher.compare(lineup.served(), lineup.previous());
            if (c.rows() >= rows && c.a() < c.b() - rollbackThreshold) {
                return new Decision(Action.ROLL_BACK, lineup.served(), scores(c, "served", lineup.served(),
                    "previous", lineup.previous()) + ": worse by more than the rollback threshold "
                    + rollbackThreshold);
            }
        }
        return Decision.NONE;
    }

    private static String scores(RowWindow.Comparison c, String roleA, long a, String roleB, long b) {
        return String.format(Locale.ROOT, "agreement with the teacher on the same %d rows: %s version %d %.4f, "
            + "%s version %d %.4f", c.rows(), roleA, a, c.a(), roleB, b, c.b());
    }
}
