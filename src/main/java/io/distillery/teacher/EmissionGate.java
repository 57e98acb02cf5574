package io.distillery.teacher;

/**
 * Decides, for an unlabeled record, whether the teacher sends its logits (adaptive emission). Labeled
 * records always get logits and never ask. Implementations must be deterministic for a record id
 * under the same state, so a batch reprocessed after an aborted transaction makes the same choices.
 */
public interface EmissionGate {
    /** Emits for every record. */
    EmissionGate ALWAYS = new EmissionGate() {
        @Override
        public boolean shouldEmit(String recordId, int teacherClass) {
            return true;
        }

        @Override
        public void onRecords(long n) {
        }

        @Override
        public double share() {
            return 1.0;
        }
    };

    boolean shouldEmit(String recordId, int teacherClass);

    /** Counts processed input records (drift responses last a number of records). */
    void onRecords(long n);

    /** The current overall share of unlabeled records that get logits. */
    double share();
}
