package io.distillery.records;

import java.util.Arrays;
import java.util.Objects;

/**
 * One input record of {@code distill.records.labeled} or {@code distill.records.unlabeled}.
 *
 * @param id the record id, also the Kafka key
 * @param ts event time, epoch milliseconds
 * @param features the feature vector (not copied: treat as immutable)
 * @param label the class in [0, classes), or {@link #NO_LABEL}
 */
public record InputRecord(String id, long ts, float[] features, int label) {
    public static final int NO_LABEL = -1;

    public InputRecord {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(features, "features");
    }

    public boolean labeled() {
        return label != NO_LABEL;
    }

    /** The same record with its label removed. */
    public InputRecord unlabeled() {
        return labeled() ? new InputRecord(id, ts, features, NO_LABEL) : this;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputRecord r && r.ts == ts && r.label == label && r.id.equals(id)
            && Arrays.equals(r.features, features);
    }

    @Override
    public int hashCode() {
        return Objects.hash(id, ts, label, Arrays.hashCode(features));
    }

    @Override
    public String toString() {
        return "InputRecord[id=" + id + ", ts=" + ts + ", features=" + features.length + ", label=" + label + "]";
    }
}
