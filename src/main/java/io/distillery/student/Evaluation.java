package io.distillery.student;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.metrics.SlidingMean;
import io.distillery.model.LogitMath;
import io.distillery.records.EvalMessage;
import io.distillery.records.LogitsMessage;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;

/**
 * Test-then-train bookkeeping: scores the student against the teacher (KL at T, top-1 agreement) and
 * both against the label where there is one, before the student trains on the record; keeps recent
 * means as gauges. Not thread-safe.
 */
final class Evaluation {
    private final double temperature;
    private final SlidingMean kl = new SlidingMean(2000);
    private final SlidingMean agreement = new SlidingMean(2000);
    private final SlidingMean studentAccuracy = new SlidingMean(1000);
    private final SlidingMean teacherAccuracy = new SlidingMean(1000);
    private final RoleMetrics.GaugeValue klGauge;
    private final RoleMetrics.GaugeValue agreementGauge;
    private final RoleMetrics.GaugeValue studentGauge;
    private final RoleMetrics.GaugeValue teacherGauge;

    Evaluation(double temperature, RoleMetrics metrics) {
        this.temperature = temperature;
        this.klGauge = metrics.gauge(Metrics.KL_DIVERGENCE, Roles.STUDENT);
        this.agreementGauge = metrics.gauge(Metrics.AGREEMENT, Roles.STUDENT);
        this.studentGauge = metrics.gauge(Metrics.PREQUENTIAL_ACCURACY, Roles.STUDENT, Models.STUDENT);
        this.teacherGauge = metrics.gauge(Metrics.PREQUENTIAL_ACCURACY, Roles.STUDENT, Models.TEACHER);
    }

    /** Scores one record given the student's logits before training; returns its evaluation message. */
    EvalMessage score(LogitsMessage m, float[] studentLogits, long studentVersion) {
        double d = LogitMath.kl(m.logits(), studentLogits, temperature);
        int teacherClass = LogitMath.argmax(m.logits());
        int studentClass = LogitMath.argmax(studentLogits);
        kl.add(d);
        agreement.add(teacherClass == studentClass ? 1 : 0);
        if (m.labeled()) {
            studentAccuracy.add(studentClass == m.label() ? 1 : 0);
            teacherAccuracy.add(teacherClass == m.label() ? 1 : 0);
        }
        return new EvalMessage(m.id(), m.ts(), m.teacherVersion(), studentVersion,
            m.labeled() ? m.label() : EvalMessage.UNLABELED, teacherClass, studentClass, d);
    }

    void publish() {
        klGauge.set(kl.mean());
        agreementGauge.set(agreement.mean());
        studentGauge.set(studentAccuracy.mean());
        teacherGauge.set(teacherAccuracy.mean());
    }

    double agreement() {
        return agreement.mean();
    }

    double studentAccuracy() {
        return studentAccuracy.mean();
    }

    double teacherAccuracy() {
        return teacherAccuracy.mean();
    }

    double kl() {
        return kl.mean();
    }
}
