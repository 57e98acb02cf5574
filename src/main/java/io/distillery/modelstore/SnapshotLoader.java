package io.distillery.modelstore;

import io.distillery.model.Network;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotManifest;

/**
 * Turns a verified {@link Snapshot} (see {@code SnapshotCodec.decode}) into a {@link Network} that
 * is safe to swap in: it returns a network only when every check has passed, so a caller that
 * swaps on success and keeps its old model on {@link SnapshotException} never serves a bad one.
 *
 * <p>Checks, in order: the manifest's shape ({@link Rejection#WRONG_SHAPE}); deserialization
 * ({@link Rejection#LOAD_FAILED}); the network's real shape ({@code WRONG_SHAPE}); one
 * prediction on a row of zeros, which must give finite logits of the expected width
 * ({@link Rejection#TEST_PREDICTION_FAILED}). Version ordering (stale snapshots) is the
 * caller's business. Stateless and thread-safe; the returned network belongs to the caller.
 */
public final class SnapshotLoader {

    /**
     * @param expectedInputs  the feature count the caller will feed
     * @param expectedOutputs the class count the caller expects
     * @throws SnapshotException if any check fails, with its {@link Rejection}
     */
    public Network load(Snapshot s, int expectedInputs, int expectedOutputs) throws SnapshotException {
        SnapshotManifest m = s.manifest();
        requireShape("manifest of " + m.id(), m.inputs(), m.outputs(), expectedInputs, expectedOutputs);
        Network network;
        try {
            network = Network.fromBytes(s.modelBytes());
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.LOAD_FAILED, "cannot load " + m.id() + ": "
                    + e.getMessage(), e);
        }
        requireShape("network of " + m.id(), network.inputs(), network.outputs(),
                expectedInputs, expectedOutputs);
        testPrediction(network, m.id());
        return network;
    }

    private static void requireShape(String what, int inputs, int outputs, int expectedInputs,
                                     int expectedOutputs) throws SnapshotException {
        if (inputs != expectedInputs || outputs != expectedOutputs) {
            throw new SnapshotException(Rejection.WRONG_SHAPE, what + " has " + inputs
                    + " inputs and " + outputs + " outputs, expected " + expectedInputs
                    + " and " + expectedOutputs);
        }
    }

    private static void testPrediction(Network network, String id) throws SnapshotException {
        float[][] logits;
        try {
            logits = network.logits(new float[1][network.inputs()]);
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id + ": " + e, e);
        }
        if (logits.length != 1 || logits[0].length != network.outputs()) {
            throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id
                    + ": test prediction has the wrong shape");
        }
        for (float v : logits[0]) {
            if (!Float.isFinite(v)) {
                throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id
                        + ": test prediction is not finite: " + java.util.Arrays.toString(logits[0]));
            }
        }
    }
}
