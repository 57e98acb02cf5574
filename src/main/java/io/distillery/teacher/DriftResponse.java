package io.distillery.teacher;

import io.distillery.config.FeedbackSettings;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.FeedbackMessage;
import io.distillery.spec.Roles;
import io.micrometer.core.instrument.Counter;
import java.util.Objects;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How the teacher's trainer reacts to drift. A drift report on {@code distill.feedback} starts a
 * response that lasts {@code feedback.drift.records} labeled records (counted through
 * {@link #onLabeledRecords}); a drift during a response starts it again from the full length. During a
 * response {@link #learningRateMultiplier()} is {@code feedback.drift.lr.boost}, else 1. Each drift also
 * raises, once, a request to drop the oldest {@link #flushFraction()} of the replay buffer (when that
 * fraction is above 0) and, with {@code feedback.drift.reset.optimizer}, a request to reset the optimizer
 * state; the trainer takes them with {@link #takeFlushRequest()} and {@link #takeResetOptimizerRequest()}.
 * Window reports are ignored. With {@code feedback.enabled=false} it never reacts.
 *
 * <p>Metrics (role {@code teacher}): {@code distill.drift.responses{loop="trainer"}} counts responses
 * started. Start and end of each response are logged at INFO.
 *
 * <p>Threading: meant for the trainer's single thread, but methods are synchronized so that the
 * feedback thread may call {@link #onFeedback} directly; the lock is uncontended in the common case.
 */
public final class DriftResponse {
    private static final Logger LOG = LoggerFactory.getLogger(DriftResponse.class);

    private final FeedbackSettings settings;
    private final Counter responses;
    private long remaining;
    private boolean flushRequested;
    private boolean resetRequested;

    public DriftResponse(FeedbackSettings settings, RoleMetrics metrics) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.responses = metrics.counter(Metrics.DRIFT_RESPONSES, Roles.TEACHER, "trainer");
    }

    /** Starts a response when the message carries drift signals; anything else is ignored. */
    public synchronized void onFeedback(FeedbackMessage m) {
        if (!settings.enabled() || settings.relevant(m.drifts()).isEmpty()) {
            return;
        }
        boolean restart = remaining > 0;
        remaining = settings.driftRecords();
        // A detector fires again while its window still holds pre-drift values: a restart extends the
        // response but does not flush or reset again, which would throw away post-drift records.
        flushRequested |= !restart && settings.driftFlushFraction() > 0;
        resetRequested |= !restart && settings.driftResetOptimizer();
        responses.increment();
        LOG.info("trainer drift response {} for {} labeled records: learning rate x{}, flush oldest {} of replay{}; "
                + "drift {}", restart ? "restarted" : "started", remaining, settings.driftLrBoost(),
            settings.driftFlushFraction(), resetRequested ? ", reset optimizer" : "",
            settings.relevant(m.drifts()).stream().map(d -> d.detector() + " on " + d.signal())
                .collect(Collectors.joining(", ")));
    }

    /**
     * Counts labeled records the trainer has learned from (from the stream, not replayed ones).
     *
     * @throws IllegalArgumentException when {@code n} is negative
     */
    public synchronized void onLabeledRecords(long n) {
        if (n < 0) {
            throw new IllegalArgumentException("record count must not be negative, was " + n);
        }
        if (remaining == 0) {
            return;
        }
        remaining = Math.max(0, remaining - n);
        if (remaining == 0) {
            LOG.info("trainer drift response over after {} labeled records; learning rate back to normal",
                settings.driftRecords());
        }
    }

    /** Factor on the trainer's base learning rate: the boost during a response, else 1. */
    public synchronized double learningRateMultiplier() {
        return remaining > 0 ? settings.driftLrBoost() : 1.0;
    }

    /** Whether a response is running. */
    public synchronized boolean active() {
        return remaining > 0;
    }

    /** True once per drift when the trainer should drop the oldest {@link #flushFraction()} of its replay. */
    public synchronized boolean takeFlushRequest() {
        boolean r = flushRequested;
        flushRequested = false;
        return r;
    }

    /** True once per drift when the trainer should reset its optimizer state. */
    public synchronized boolean takeResetOptimizerRequest() {
        boolean r = resetRequested;
        resetRequested = false;
        return r;
    }

    /** Share of the oldest replay-buffer records to drop on a flush request, in [0, 1]. */
    public double flushFraction() {
        return settings.driftFlushFraction();
    }
}
