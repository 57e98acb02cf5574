package io.distillery.serving;

import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;

/**
 * Turns a decoded, signature-checked snapshot into a network. Implementations may run their own test
 * prediction; serving runs one more on the result before it is swapped in.
 */
@FunctionalInterface
public interface ModelLoader {
    /**
     * @param expectedInputs the configured feature count
     * @param expectedOutputs the configured class count
     * @throws SnapshotException with {@code WRONG_SHAPE}, {@code LOAD_FAILED} or {@code TEST_PREDICTION_FAILED}
     */
    ServingNetwork load(Snapshot snapshot, int expectedInputs, int expectedOutputs) throws SnapshotException;
}
