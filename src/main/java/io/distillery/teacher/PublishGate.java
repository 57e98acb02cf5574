package io.distillery.teacher;

import io.distillery.config.TeacherGateSettings;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Predictor;
import io.distillery.spec.Roles;
import io.micrometer.core.instrument.Counter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a worse teacher from being published. A candidate is scored on the {@link HoldoutWindow} together with
 * the published teacher, on the same rows, at each publish attempt (never a score cached from an older
 * window), and is admitted unless it is lower by more than {@code teacher.gate.tolerance}. Until a teacher is
 * published, or while the window holds fewer than {@code teacher.gate.min.rows}, every candidate is admitted.
 * A refusal is counted and logged; the trainer keeps training the candidate and tries again at its next
 * snapshot. Scoring costs two forward passes over the window per attempt and nothing between attempts.
 *
 * <p>Threading: owned by the trainer's thread; it keeps its own copy of the published network.
 */
final class PublishGate {
    private static final Logger LOG = LoggerFactory.getLogger(PublishGate.class);

    private final TeacherGateSettings settings;
    private final HoldoutWindow window;
    private final Counter refused;
    private final RoleMetrics.GaugeValue publishedAccuracy;
    private final RoleMetrics.GaugeValue candidateAccuracy;
    private final RoleMetrics.GaugeValue windowRows;
    private Predictor published;
    private long publishedVersion;

    PublishGate(TeacherGateSettings settings, RoleMetrics metrics) {
        this.settings = settings;
        this.window = new HoldoutWindow(settings.holdoutOneIn(), settings.windowRows());
        this.refused = metrics.counter(Metrics.TEACHER_GATE_REFUSED, Roles.TEACHER);
        this.publishedAccuracy = metrics.gauge(Metrics.TEACHER_GATE_ACCURACY, Roles.TEACHER, "published");
        this.candidateAccuracy = metrics.gauge(Metrics.TEACHER_GATE_ACCURACY, Roles.TEACHER, "candidate");
        this.windowRows = metrics.gauge(Metrics.TEACHER_GATE_WINDOW, Roles.TEACHER);
        windowRows.set(0);
    }

    /** Whether this labeled record is held out for the window instead of trained on. */
    boolean holdsOut(String recordId) {
        return window.holdsOut(recordId);
    }

    /** Keeps a held-out row in the window. */
    void hold(float[] x, int y) {
        window.add(x, y);
        windowRows.set(window.size());
    }

    /** Drops the oldest {@code fraction} of the window, as a drift response drops the replay buffer's. */
    void flushOldest(double fraction) {
        int dropped = window.flushOldest(fraction);
        windowRows.set(window.size());
        LOG.info("drift: dropped the {} oldest rows of the teacher publish gate's window, {} left", dropped,
            window.size());
    }

    /** Held-out rows in the window now. */
    int windowRows() {
        return window.size();
    }

    /** The teacher now published, as a copy of the caller's that the gate alone predicts with. */
    void published(long version, Predictor copy) {
        this.published = copy;
        this.publishedVersion = version;
    }

    /** Whether {@code candidate} may be published; a refusal is counted and logged. */
    boolean admits(Predictor candidate) {
        if (!settings.enabled() || published == null || window.size() < settings.minRows()) {
            return true;
        }
        int rows = window.size();
        double theirs = window.correct(published) / (double) rows;
        double ours = window.correct(candidate) / (double) rows;
        publishedAccuracy.set(theirs);
        candidateAccuracy.set(ours);
        if (accepts(ours, theirs, settings.tolerance())) {
            return true;
        }
        refused.increment();
        LOG.warn("teacher candidate not published: accuracy {} on {} held-out records against {} for the published "
                + "v{} (teacher.gate.tolerance {}); training goes on", String.format("%.4f", ours), rows,
            String.format("%.4f", theirs), publishedVersion, settings.tolerance());
        return false;
    }

    /** The decision: a candidate may be lower than the published teacher by the tolerance, not more. */
    static boolean accepts(double candidateAccuracy, double publishedAccuracy, double tolerance) {
        // Both are counts over the same rows divided by the same n: allow for the rounding of that division.
        return publishedAccuracy - candidateAccuracy <= tolerance + 1e-9;
    }
}
