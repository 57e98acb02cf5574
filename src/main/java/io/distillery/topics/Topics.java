package io.distillery.topics;

import java.util.List;

/** Every topic of DESIGN.md, declared once. */
public final class Topics {
    public static final TopicSpec LABELED = new TopicSpec("distill.records.labeled",
        "input records with a label (JSON, key = record id)", false, 0);
    public static final TopicSpec UNLABELED = new TopicSpec("distill.records.unlabeled",
        "input records without a label (JSON, key = record id)", false, 0);
    public static final TopicSpec TEACHER_LOGITS = new TopicSpec("distill.teacher.logits",
        "teacher logits per record, written transactionally by the emitter", false, 0);
    public static final TopicSpec TEACHER_SNAPSHOTS = new TopicSpec("distill.teacher.snapshots",
        "signed teacher snapshots without the optimizer state (key = model/slot: the last "
            + "snapshot.retain.versions versions)", true, 1);
    public static final TopicSpec TEACHER_CHECKPOINTS = new TopicSpec("distill.teacher.checkpoints",
        "the trainer's restart points: each version's network as trained, with the optimizer state; read by "
            + "the trainer alone (key = model/slot)", true, 1);
    public static final TopicSpec STUDENT_SNAPSHOTS = new TopicSpec("distill.student.snapshots",
        "signed student snapshots without the optimizer state (key = model/slot: the last "
            + "snapshot.retain.versions versions)", true, 1);
    public static final TopicSpec STUDENT_CHECKPOINTS = new TopicSpec("distill.student.checkpoints",
        "the student's restart points: each version's network as trained, with the optimizer state; read by "
            + "the student alone (key = model/slot)", true, 1);
    public static final TopicSpec STUDENT_EVALS = new TopicSpec("distill.student.evals",
        "per-record prequential evaluation of student and teacher", false, 0);
    public static final TopicSpec FEEDBACK = new TopicSpec("distill.feedback",
        "per-window divergence, agreement, accuracy and drift signals", false, 1);
    public static final TopicSpec DEADLETTER = new TopicSpec("distill.deadletter",
        "rejected records with headers naming the reason, source and role", false, 0);

    public static final TopicSpec INSTANCES = new TopicSpec("distill.instances",
        "heartbeats of every role instance: versions held, lag, health (key = role/instance)", true, 1);

    public static final List<TopicSpec> ALL = List.of(LABELED, UNLABELED, TEACHER_LOGITS, TEACHER_SNAPSHOTS,
        TEACHER_CHECKPOINTS, STUDENT_SNAPSHOTS, STUDENT_CHECKPOINTS, STUDENT_EVALS, FEEDBACK, DEADLETTER, INSTANCES);

    private Topics() {
    }
}
