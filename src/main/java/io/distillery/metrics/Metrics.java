package io.distillery.metrics;

import io.distillery.metrics.MetricSpec.Type;
import java.util.List;

/**
 * The catalog of every metric the service exports, declared once. Each role tags its series with
 * {@code role}; the other tag keys are listed per metric and take values from bounded sets (enums,
 * model names, class indices), never record ids.
 */
public final class Metrics {
    private static MetricSpec counter(String name, String unit, String doc, String... tags) {
        return new MetricSpec(name, Type.COUNTER, unit, doc, List.of(tags));
    }

    private static MetricSpec gauge(String name, String unit, String doc, String... tags) {
        return new MetricSpec(name, Type.GAUGE, unit, doc, List.of(tags));
    }

    // ingest and dead letters
    public static final MetricSpec RECORDS_PRODUCED = counter("distill.records.produced", "records",
        "records published to an input topic by 'produce'", "topic");
    public static final MetricSpec RECORDS_CONSUMED = counter("distill.records.consumed", "records",
        "records consumed, by topic", "topic");
    public static final MetricSpec RECORDS_REJECTED = counter("distill.records.rejected", "records",
        "records sent to distill.deadletter, by reason", "reason");

    // training
    public static final MetricSpec TRAINING_STEPS = counter("distill.training.steps", "steps",
        "optimizer steps taken, by model and kind (stream or replay)", "model", "kind");
    public static final MetricSpec TRAINING_LOSS = gauge("distill.training.loss", "",
        "loss of the latest training step", "model");
    public static final MetricSpec TRAINING_NONFINITE = counter("distill.training.nonfinite", "steps",
        "training steps undone because their loss or the weights they left were not finite, by model", "model");
    public static final MetricSpec TRAINING_RESTORES = counter("distill.training.restores", "events",
        "last good weights restored after training.nonfinite.restore.after non-finite steps in a row, by model",
        "model");
    public static final MetricSpec PREQUENTIAL_ACCURACY = gauge("distill.prequential.accuracy", "ratio",
        "accuracy on labeled records before training on them, recent records", "model");
    public static final MetricSpec TEACHER_GATE_REFUSED = counter("distill.teacher.gate.refused", "snapshots",
        "candidate teachers not published because they scored lower than the published teacher on the held-out "
            + "window by more than teacher.gate.tolerance");
    public static final MetricSpec TEACHER_GATE_ACCURACY = gauge("distill.teacher.gate.accuracy", "ratio",
        "accuracy on the held-out window at the latest publish attempt, of the published teacher and the candidate",
        "teacher");
    public static final MetricSpec TEACHER_GATE_WINDOW = gauge("distill.teacher.gate.window.rows", "records",
        "held-out labeled records in the teacher's publish-gate window");
    public static final MetricSpec KL_DIVERGENCE = gauge("distill.student.teacher.kl", "nats",
        "mean KL(teacher || student) at temperature T over recent records");
    public static final MetricSpec AGREEMENT = gauge("distill.student.teacher.agreement", "ratio",
        "top-1 agreement of student and teacher over recent records");

    // teacher emission and feedback
    public static final MetricSpec LOGITS_EMITTED = counter("distill.logits.emitted", "records",
        "teacher logit messages written, by kind (labeled or unlabeled)", "kind");
    public static final MetricSpec LOGITS_SKIPPED = counter("distill.logits.skipped", "records",
        "unlabeled records for which adaptive emission sent no logits");
    public static final MetricSpec EMISSION_RATIO = gauge("distill.logit.emission.ratio", "ratio",
        "share of unlabeled records that currently get teacher logits");
    public static final MetricSpec DRIFT_DETECTIONS = counter("distill.drift.detections", "events",
        "drift signals raised by the monitor, by detector and signal", "detector", "signal");
    public static final MetricSpec DRIFT_RESPONSES = counter("distill.drift.responses", "events",
        "drift responses started by the teacher, by loop (trainer or emitter)", "loop");
    public static final MetricSpec WINDOW_KL = gauge("distill.window.kl", "nats",
        "mean KL divergence of the latest closed window");
    public static final MetricSpec WINDOW_AGREEMENT = gauge("distill.window.agreement", "ratio",
        "top-1 agreement of the latest closed window");
    public static final MetricSpec WINDOW_ACCURACY = gauge("distill.window.accuracy", "ratio",
        "accuracy on labeled records of the latest closed window, by model", "model");
    public static final MetricSpec WINDOW_CLOSED_TIME = gauge("distill.window.closed.timestamp.seconds", "seconds",
        "wall-clock time the monitor last closed a feedback window (its start time before the first), epoch seconds");
    public static final MetricSpec WINDOW_LENGTH = gauge("distill.window.length.seconds", "seconds",
        "length of the monitor's feedback windows (monitor.window.ms)");
    public static final MetricSpec WINDOW_CLASS_AGREEMENT = gauge("distill.window.class.agreement", "ratio",
        "agreement of the latest closed window by the teacher's predicted class", "class");

    // snapshots
    public static final MetricSpec SNAPSHOT_VERSION = gauge("distill.snapshot.version", "",
        "version of the newest snapshot this role published or serves, by model", "model");
    public static final MetricSpec SNAPSHOTS_PUBLISHED = counter("distill.snapshots.published", "snapshots",
        "snapshots published, by model", "model");
    public static final MetricSpec HOT_SWAPS = counter("distill.hot.swaps", "swaps",
        "verified snapshots swapped in, by model", "model");
    public static final MetricSpec SNAPSHOTS_REJECTED = counter("distill.snapshots.rejected", "snapshots",
        "snapshots rejected by a reader, by model and reason", "model", "reason");

    // restarts
    public static final MetricSpec RESUME_COLD_STARTS = counter("distill.resume.cold.starts", "starts",
        "starts with a fresh network, by model and reason (no_snapshot, or none_verified when "
            + "snapshot.allow.cold.start let the role start cold over snapshots that all failed verification)",
        "model", "reason");
    public static final MetricSpec RESUME_STARTS = counter("distill.resume.starts", "starts",
        "starts that resumed from a retained version, by model and source: checkpoint (the network trained, with its "
            + "optimizer state) or snapshot (no checkpoint of that version or a newer one verified: training goes on "
            + "with a fresh optimizer state unless the snapshot predates checkpoints and carries one)",
        "model", "source");
    public static final MetricSpec RESUME_OLDER = counter("distill.resume.older", "starts",
        "starts that resumed from a snapshot older than the newest version on the topic, by model", "model");
    public static final MetricSpec RESUME_SKIPPED = counter("distill.resume.skipped", "snapshots",
        "snapshots passed over at start because they failed verification, by model and rejection reason",
        "model", "reason");

    // serving
    public static final MetricSpec SERVE_REQUESTS = counter("distill.serve.requests", "requests",
        "inference API requests, by endpoint and HTTP status class", "endpoint", "status");
    public static final MetricSpec PREDICT_LATENCY = new MetricSpec("distill.predict.latency", Type.TIMER,
        "seconds", "time to answer an infer request, by batch kind (single or batch)", List.of("kind"));
    public static final MetricSpec SERVE_PREVIOUS_VERSION = gauge("distill.serve.previous.version", "",
        "version of the previous verified student snapshot kept for rollback");
    public static final MetricSpec SERVE_PINNED = gauge("distill.serve.pinned", "",
        "1 when the served version is pinned (by an operator, or by an automatic rollback), else 0");
    // promotion and rollback of student versions in serving
    public static final MetricSpec SERVE_CANDIDATE_VERSION = gauge("distill.serve.candidate.version", "",
        "version of the student candidate being scored before it is served (NaN when none)");
    public static final MetricSpec SERVE_CANDIDATES = counter("distill.serve.candidates", "candidates",
        "candidate versions decided, by outcome (promoted, refused, replaced by a newer one while waiting)", "outcome");
    public static final MetricSpec SERVE_ROLLBACKS = counter("distill.serve.rollbacks", "rollbacks",
        "automatic rollbacks: the served version scored below the previous one by more than the threshold");
    public static final MetricSpec SERVE_SCORE = gauge("distill.serve.score", "ratio",
        "windowed score of the served, previous and candidate versions, by slot and measure "
            + "(teacher_agreement, accuracy on labeled rows, shadow_agreement with the served answer)",
        "slot", "measure");
    public static final MetricSpec SERVE_SCORED_ROWS = counter("distill.serve.scored.rows", "rows",
        "rows scored on the held versions, by source (teacher logits or shadowed requests)", "source");
    public static final MetricSpec SERVE_SHADOW_DROPPED = counter("distill.serve.shadow.dropped", "requests",
        "sampled infer requests not shadowed because the shadow queue was full");

    public static final List<MetricSpec> ALL = List.of(RECORDS_PRODUCED, RECORDS_CONSUMED, RECORDS_REJECTED,
        TRAINING_STEPS, TRAINING_LOSS, TRAINING_NONFINITE, TRAINING_RESTORES, PREQUENTIAL_ACCURACY,
        TEACHER_GATE_REFUSED, TEACHER_GATE_ACCURACY, TEACHER_GATE_WINDOW, KL_DIVERGENCE, AGREEMENT, LOGITS_EMITTED,
        LOGITS_SKIPPED, EMISSION_RATIO, DRIFT_DETECTIONS, DRIFT_RESPONSES, WINDOW_KL, WINDOW_AGREEMENT, WINDOW_ACCURACY,
        WINDOW_CLOSED_TIME, WINDOW_LENGTH, WINDOW_CLASS_AGREEMENT, SNAPSHOT_VERSION, SNAPSHOTS_PUBLISHED, HOT_SWAPS,
        SNAPSHOTS_REJECTED, RESUME_COLD_STARTS, RESUME_STARTS, RESUME_OLDER, RESUME_SKIPPED, SERVE_REQUESTS,
        PREDICT_LATENCY, SERVE_PREVIOUS_VERSION, SERVE_PINNED, SERVE_CANDIDATE_VERSION, SERVE_CANDIDATES,
        SERVE_ROLLBACKS, SERVE_SCORE, SERVE_SCORED_ROWS, SERVE_SHADOW_DROPPED);

    private Metrics() {
    }
}
