package io.distillery.feedback;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics.GaugeValue;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.FeedbackMessage;
import io.distillery.spec.DriftSignal;
import io.distillery.spec.Models;
import java.time.Clock;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes what the monitor sees to a {@link RoleMetrics}: the gauges of the latest closed window
 * ({@code distill.window.kl}, {@code .agreement}, {@code .accuracy} by model, {@code .class.agreement} by
 * class index 0 .. classes-1), when a window last closed and how long windows are (for the alert on feedback
 * that stopped), drift detections by detector and signal, and rejected evaluations by reason. Thread-safe;
 * never throws into the topology (a metrics failure is logged).
 */
public final class FeedbackMetrics implements MonitorListener {
    private static final Logger LOG = LoggerFactory.getLogger(FeedbackMetrics.class);

    private final RoleMetrics metrics;
    private final String role;
    private final GaugeValue kl;
    private final GaugeValue agreement;
    private final GaugeValue studentAccuracy;
    private final GaugeValue teacherAccuracy;
    private final GaugeValue[] classAgreement;
    private final GaugeValue closedAt;
    private final Clock clock;

    /**
     * @param metrics the registry of this process
     * @param role the role tag, normally {@code monitor}
     * @param classes number of classes; bounds the {@code class} tag
     * @param windowMs length of the windows, ms
     * @param clock the wall clock of {@code distill.window.closed.timestamp.seconds}
     */
    public FeedbackMetrics(RoleMetrics metrics, String role, int classes, long windowMs, Clock clock) {
        this.metrics = metrics;
        this.role = role;
        this.clock = clock;
        this.closedAt = metrics.gauge(Metrics.WINDOW_CLOSED_TIME, role);
        closedAt.set(clock.millis() / 1000.0);
        metrics.gauge(Metrics.WINDOW_LENGTH, role).set(windowMs / 1000.0);
        this.kl = metrics.gauge(Metrics.WINDOW_KL, role);
        this.agreement = metrics.gauge(Metrics.WINDOW_AGREEMENT, role);
        this.studentAccuracy = metrics.gauge(Metrics.WINDOW_ACCURACY, role, Models.STUDENT);
        this.teacherAccuracy = metrics.gauge(Metrics.WINDOW_ACCURACY, role, Models.TEACHER);
        for (List<String> detection : DriftProcessor.DETECTIONS) {
            metrics.zeroCounters(Metrics.DRIFT_DETECTIONS, role, List.of(List.of(detection.get(0)),
                List.of(detection.get(1))));
        }
        metrics.zeroCounters(Metrics.RECORDS_REJECTED, role, List.of(MonitorTopology.REJECT_REASONS));
        this.classAgreement = new GaugeValue[classes];
        for (int c = 0; c < classes; c++) {
            classAgreement[c] = metrics.gauge(Metrics.WINDOW_CLASS_AGREEMENT, role, Integer.toString(c));
        }
    }

    @Override
    public void windowClosed(FeedbackMessage report) {
        try {
            closedAt.set(clock.millis() / 1000.0);
            kl.set(report.meanKl());
            agreement.set(report.agreement());
            studentAccuracy.set(report.studentAccuracy());
            teacherAccuracy.set(report.teacherAccuracy());
            double[] perClass = report.perClassAgreement();
            for (int c = 0; c < Math.min(perClass.length, classAgreement.length); c++) {
                classAgreement[c].set(perClass[c]);
            }
        } catch (RuntimeException e) {
            LOG.warn("cannot update window metrics", e);
        }
    }

    @Override
    public void driftDetected(DriftSignal signal) {
        try {
            metrics.counter(Metrics.DRIFT_DETECTIONS, role, signal.detector(), signal.signal()).increment();
        } catch (RuntimeException e) {
            LOG.warn("cannot count drift detection", e);
        }
        LOG.info("drift: {} on {} at position {} (event time {})", signal.detector(), signal.signal(),
            signal.position(), signal.eventTimeMs());
    }

    @Override
    public void evalRejected(String reason) {
        try {
            metrics.counter(Metrics.RECORDS_REJECTED, role, reason).increment();
        } catch (RuntimeException e) {
            LOG.warn("cannot count rejected evaluation", e);
        }
    }
}
