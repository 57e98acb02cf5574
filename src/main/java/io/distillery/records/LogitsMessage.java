package io.distillery.records;

import java.util.Arrays;
import java.util.Objects;

/**
 * What the teacher's emitter writes to {@code distill.teacher.logits} for one input record: the record
 * itself and the teacher's logits for it.
 *
 * @param id the input record id (also the Kafka key)
 * @param ts event time of the input record, epoch milliseconds
 * @param label the label, or {@link InputRecord#NO_LABEL}
 * @param teacherVersion the version of the teacher snapshot whose weights computed the logits
 * @param features the input features (not copied)
 * @param logits the teacher's pre-softmax outputs, one per class (not copied)
 * @param hidden the teacher's last hidden layer, a hint for the student; empty when the message carries none
 *     (not copied)
 */
public record LogitsMessage(String id, long ts, int label, long teacherVersion, float[] features, float[] logits,
                            float[] hidden) {
    private static final float[] NONE = new float[0];

    public LogitsMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(logits, "logits");
        Objects.requireNonNull(hidden, "hidden");
    }

    /** A message without a hint. */
    public LogitsMessage(String id, long ts, int label, long teacherVersion, float[] features, float[] logits) {
        this(id, ts, label, teacherVersion, features, logits, NONE);
    }

    /** Whether it carries the teacher's hidden layer. */
    public boolean hasHint() {
        return hidden.length > 0;
    }

    public boolean labeled() {
        return label != InputRecord.NO_LABEL;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogitsMessage m && m.ts == ts && m.label == label && m.teacherVersion == teacherVersion
            && m.id.equals(id) && Arrays.equals(m.features, features) && Arrays.equals(m.logits, logits)
            && Arrays.equals(m.hidden, hidden);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, ts, label, teacherVersion, Arrays.hashCode(features), Arrays.hashCode(logits),
            Arrays.hashCode(hidden));
    }

    @Override
    public String toString() {
        return "LogitsMessage[id=" + id + ", label=" + label + ", teacherVersion=" + teacherVersion
            + (hasHint() ? ", hint of " + hidden.length : "") + "]";
    }
}
