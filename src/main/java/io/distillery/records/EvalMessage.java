package io.distillery.records;

import java.util.Objects;

/**
 * The student's prequential evaluation of one record (topic {@code distill.student.evals}), written
 * by the student before it trains on the record, read by the monitor. Immutable.
 *
 * @param recordId id of the input record
 * @param eventTimeMs event time of the input record, epoch milliseconds (the monitor's windows use it)
 * @param teacherVersion version of the teacher snapshot whose logits were used
 * @param studentVersion version of the student that was evaluated
 * @param label the true class, or {@link #UNLABELED} (-1)
 * @param teacherClass the teacher's top-1 class
 * @param studentClass the student's top-1 class
 * @param kl KL(teacher || student) of the softmax outputs at temperature T, nats
 */
public record EvalMessage(String recordId, long eventTimeMs, long teacherVersion, long studentVersion,
                          int label, int teacherClass, int studentClass, double kl) {
    /** The label of a record without one. */
    public static final int UNLABELED = -1;

    /**
     * @throws NullPointerException when recordId is null
     * @throws IllegalArgumentException when label is below -1 or a predicted class is negative
     */
    public EvalMessage {
        Objects.requireNonNull(recordId, "recordId");
        if (label < UNLABELED) {
            throw new IllegalArgumentException("label must be >= -1, was " + label);
        }
        if (teacherClass < 0 || studentClass < 0) {
            throw new IllegalArgumentException("predicted classes must not be negative, were teacher "
                + teacherClass + " and student " + studentClass);
        }
    }

    public boolean labeled() {
        return label != UNLABELED;
    }

    /** Whether student and teacher predict the same class. */
    public boolean agree() {
        return teacherClass == studentClass;
    }

    /** The teacher's 0-1 error on a labeled record (1 when wrong). */
    public double teacherError() {
        return teacherClass == label ? 0 : 1;
    }
}
