package io.distillery.teacher;

import io.distillery.config.FeedbackSettings;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics.GaugeValue;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.FeedbackMessage;
import io.distillery.spec.DriftSignal;
import io.distillery.spec.Roles;
import io.micrometer.core.instrument.Counter;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which unlabeled records get teacher logits, after the feedback of the monitor (adaptive
 * emission in the spirit of JITNet, Mullapudi et al. 2019). Labeled records always get logits and never
 * ask.
 *
 * <p>The share starts at 1. Each window report with at least {@code feedback.min.window.records}
 * evaluations moves it: agreement at or above {@code feedback.agreement.threshold} multiplies it by
 * {@code feedback.share.step} (not below {@code feedback.min.share}); agreement below the threshold
 * divides it by the step (not above 1); agreement below {@code feedback.agreement.low} sets it to 1.
 * Classes (by the teacher's prediction) whose window agreement is below the threshold get the share
 * times {@code feedback.class.boost}, capped at 1; the others, and classes without data, get the overall
 * share. A drift report sets every share to 1 for {@code feedback.drift.records} records counted through
 * {@link #onRecords}; window reports are ignored meanwhile, and adaptation then resumes from 1. With
 * {@code feedback.enabled=false} every record gets logits and feedback changes nothing.
 *
 * <p>{@link #shouldEmit} is deterministic: a stable hash of the record id against the share of its
 * class, so a record processed again under the same state gets the same answer, and a shrinking share
 * keeps a subset of the records a larger one kept.
 *
 * <p>Metrics (role {@code teacher}): {@code distill.logit.emission.ratio} is the expected share of
 * unlabeled records that get logits (class shares weighted by the last window's class counts);
 * {@code distill.drift.responses{loop="emitter"}} counts drift responses started. Every change of share
 * is logged at INFO with its reason.
 *
 * <p>Threading: the state is one immutable object behind a volatile reference. Readers
 * ({@link #shouldEmit}, {@link #share}) are lock-free and may run on any number of emitter threads;
 * updates ({@link #onFeedback}, and {@link #onRecords} while a drift response runs) are serialized on
 * this object. {@link #onRecords} costs one volatile read when no drift response is running.
 */
public final class EmissionPolicy implements EmissionGate {
    private static final Logger LOG = LoggerFactory.getLogger(EmissionPolicy.class);

    private final FeedbackSettings settings;
    private final GaugeValue ratio;
    private final Counter driftResponses;
    private volatile EmissionState state = EmissionState.full(0);

    public EmissionPolicy(FeedbackSettings settings, RoleMetrics metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ratio = metrics.gauge(Metrics.EMISSION_RATIO, Roles.TEACHER);
        this.driftResponses = metrics.counter(Metrics.DRIFT_RESPONSES, Roles.TEACHER, "emitter");
        ratio.set(1.0);
    }

    /**
     * Whether an unlabeled record gets logits.
     *
     * @param recordId the record's id (the input key)
     * @param teacherClass the class the teacher predicts for it
     */
    @Override
    public boolean shouldEmit(String recordId, int teacherClass) {
        double p = state.share(teacherClass);
        return p >= 1.0 || RecordHash.unit(recordId) < p;
    }

    /** The overall share of unlabeled records that get logits, in (0, 1]. */
    @Override
    public double share() {
        return state.share();
    }

    /** The share of unlabeled records the teacher predicts as {@code cls} that get logits, in (0, 1]. */
    public double share(int cls) {
        return state.share(cls);
    }

    /** The share expected over all unlabeled records, class shares weighted by the last window's counts. */
    public double expectedShare() {
        return state.expected();
    }

    /** Whether a drift response is running (every record gets logits). */
    public boolean inDriftResponse() {
        return state.driftRemaining() > 0;
    }

    /** Acts on one message of {@code distill.feedback}: a drift report, else a window report. */
    public synchronized void onFeedback(FeedbackMessage m) {
        if (!settings.enabled()) {
            return;
        }
        if (!m.drifts().isEmpty()) {
            List<DriftSignal> relevant = settings.relevant(m.drifts());
            if (!relevant.isEmpty()) {
                startDriftResponse(relevant);
            }
        } else if (m.isWindow()) {
            onWindow(m);
        }
    }

    /**
     * Counts records the emitter has processed (labeled or not) towards the end of a drift response.
     *
     * @throws IllegalArgumentException when {@code n} is negative
     */
    @Override
    public void onRecords(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("record count must not be negative, was " + n);
        }
        if (state.driftRemaining() == 0) {
            return;
        }
        synchronized (this) {
            EmissionState s = state;
            if (s.driftRemaining() == 0) {
                return;
            }
            long left = Math.max(0, s.driftRemaining() - n);
            if (left > 0) {
                state = s.withDriftRemaining(left);
            } else {
                state = EmissionState.full(0);
                LOG.info("emission drift response over after {} records; adapting again from share 1",
                    settings.driftRecords());
            }
        }
    }

    private void startDriftResponse(List<DriftSignal> drifts) {
        EmissionState old = state;
        state = EmissionState.full(settings.driftRecords());
        ratio.set(1.0);
        driftResponses.increment();
        LOG.info("emission share {} -> 1.000 for {} records: drift {}", format(old.share()), settings.driftRecords(),
            drifts.stream().map(d -> d.detector() + " on " + d.signal()).collect(Collectors.joining(", ")));
    }

    private void onWindow(FeedbackMessage m) {
        EmissionState old = state;
        double agreement = m.agreement();
        if (old.driftRemaining() > 0 || m.count() < settings.minWindowRecords() || Double.isNaN(agreement)) {
            LOG.debug("emission ignores window {}..{} ({} records, drift response {} records left)",
                m.windowStartMs(), m.windowEndMs(), m.count(), old.driftRemaining());
            return;
        }
        double next;
        String why;
        if (agreement >= settings.agreementThreshold()) {
            next = Math.max(settings.minShare(), old.share() * settings.shareStep());
            why = ">= threshold " + format(settings.agreementThreshold());
        } else if (agreement < settings.agreementLow()) {
            next = 1.0;
            why = "< low " + format(settings.agreementLow());
        } else {
            next = Math.min(1.0, old.share() / settings.shareStep());
            why = "< threshold " + format(settings.agreementThreshold());
        }
        EmissionState now = new EmissionState(next, classShares(next, m), m.perClassCount(), 0);
        state = now;
        ratio.set(now.expected());
        if (next != old.share() || !now.boostedClasses().equals(old.boostedClasses())) {
            LOG.info("emission share {} -> {}: window agreement {} {} over {} records; boosted classes {}",
                format(old.share()), format(next), format(agreement), why, m.count(), now.boostedClasses());
        }
    }

    private double[] classShares(double share, FeedbackMessage m) {
        double[] agreement = m.perClassAgreement();
        long[] counts = m.perClassCount();
        double[] out = new double[agreement.length];
        for (int c = 0; c < out.length; c++) {
            boolean poor = counts[c] > 0 && agreement[c] < settings.agreementThreshold();
            out[c] = poor ? Math.min(1.0, share * settings.classBoost()) : share;
        }
        return out;
    }

    private static String format(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }
}
