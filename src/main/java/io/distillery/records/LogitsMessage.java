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
 */
public record LogitsMessage(String id, long ts, int label, long teacherVersion, float[] features, float[] logits) {
    public LogitsMessage {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(features, "features");
        Objects.requireNonNull(logits, "logits");
    }

    public boolean labeled() {
        return label != InputRecord.NO_LABEL;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LogitsMessage m && m.ts == ts && m.label == label && m.teacherVersion == teacherVersion
            && m.id.equals(id) && Arrays.equals(m.features, features) && Arrays.equals(m.logits, logits);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, ts, label, teacherVersion, Arrays.hashCode(features), Arrays.hashCode(logits));
    }

    @Override
    public String toString() {
        return "LogitsMessage[id=" + id + ", label=" + label + ", teacherVersion=" + teacherVersion + "]";
    }
}
