package io.distillery.bench;

import io.distillery.records.EvalMessage;
import io.distillery.records.LogitsMessage;
import io.distillery.spec.DriftSignal;
import java.util.ArrayList;
import java.util.List;

/**
 * What one benchmark run left behind, indexed by input position (the {@code <position>} of the record
 * id {@code syn-<seed>-<position>}). Filled by {@link PipelineRun}, read by {@link RunResult}. Not
 * thread-safe except where noted.
 */
final class RunData {
    final boolean feedback;
    final int records;
    /** Unlabeled records that got teacher logits (from distill.teacher.logits). */
    final boolean[] unlabeledLogits;
    /** Labeled input records (every one gets logits, so distill.teacher.logits lists them all). */
    final boolean[] labeledInput;
    /** Records with a student evaluation (from distill.student.evals); the arrays below are set for them. */
    final boolean[] evaluated;
    final boolean[] labeled;
    final boolean[] agree;
    final boolean[] studentCorrect;
    final boolean[] teacherCorrect;
    final long[] eventTimeMs;
    /** Drift signals the monitor wrote to distill.feedback, in topic order. */
    final List<DriftSignal> signals = new ArrayList<>();
    /** Live: records produced when the teacher's follower heard each relevant drift report (synchronized). */
    final List<Long> heardAtProduced = new ArrayList<>();
    /** Live: wall time from publishing the first post-drift record to each such report, ms (synchronized). */
    final List<Long> heardAfterMs = new ArrayList<>();
    long logitsMessages;
    long duplicateEvals;
    double metricUnlabeledEmitted;
    double metricSkipped;
    double metricDriftResponses;
    long maxEmitterLag;
    long maxStudentLag;
    double producerSeconds;
    double runSeconds;
    double holdoutStudentAccuracy;
    double holdoutTeacherAccuracy;
    double holdoutAgreement;
    long studentVersion;

    RunData(boolean feedback, int records) {
        this.feedback = feedback;
        this.records = records;
        unlabeledLogits = new boolean[records];
        labeledInput = new boolean[records];
        evaluated = new boolean[records];
        labeled = new boolean[records];
        agree = new boolean[records];
        studentCorrect = new boolean[records];
        teacherCorrect = new boolean[records];
        eventTimeMs = new long[records];
    }

    void addLogits(LogitsMessage m) {
        logitsMessages++;
        int p = (int) TopicReader.position(m.id());
        if (m.labeled()) {
            labeledInput[p] = true;
        } else {
            unlabeledLogits[p] = true;
        }
    }

    void addEval(EvalMessage e) {
        int p = (int) TopicReader.position(e.recordId());
        if (evaluated[p]) {
            duplicateEvals++;
        }
        evaluated[p] = true;
        labeled[p] = e.labeled();
        agree[p] = e.agree();
        studentCorrect[p] = e.labeled() && e.studentClass() == e.label();
        teacherCorrect[p] = e.labeled() && e.teacherClass() == e.label();
        eventTimeMs[p] = e.eventTimeMs();
    }
}
