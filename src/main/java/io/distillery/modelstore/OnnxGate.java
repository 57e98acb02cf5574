package io.distillery.modelstore;

import io.distillery.inference.OnnxPredictor;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotManifest;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * The equivalence gate between a network and its ONNX graph: both run a fixed probe batch and every logit
 * must agree within {@link #TOLERANCE} (absolute). Writers check before they publish, readers again when
 * they load, so no engine ever serves a graph that computes something else than the network it was
 * signed with. Stateless; thread-safe.
 */
public final class OnnxGate {
    /** Largest absolute difference allowed between the two engines' logits. */
    public static final double TOLERANCE = 1e-4;
    private static final int PROBE_ROWS = 16;
    private static final long PROBE_SEED = 20_251_202L;

    private OnnxGate() {
    }

    /** The ONNX graph of a network about to be published under {@code manifest}, with its identity as metadata. */
    public static byte[] export(Network network, SnapshotManifest manifest) {
        return OnnxExport.export(network, Map.of("model", manifest.model(),
            "version", Long.toString(manifest.version()), "snapshot.id", manifest.id()));
    }

    /**
     * Checks that {@code onnx} computes {@code network}'s logits.
     *
     * @param id the snapshot's id, for the message
     * @throws SnapshotException {@link Rejection#TEST_PREDICTION_FAILED} when the network's own logits on the
     *     probe batch are not finite, {@link Rejection#NON_FINITE_WEIGHTS} when a weight or bias is (such a
     *     snapshot is never published, nor loaded); {@link Rejection#ONNX_MISMATCH} when
     *     a logit differs by more than the tolerance, or the graph does not load or run as a
     *     {@code [N, inputs] -> [N, outputs]} model
     */
    public static void check(Network network, byte[] onnx, String id) throws SnapshotException {
        open(network, onnx, id).close();
    }

    /**
     * As {@link #check}, and answers the ONNX Runtime session the check ran on, for a reader that predicts with
     * it: the graph that passed is the one that serves, loaded once. The caller closes it.
     */
    public static OnnxPredictor open(Network network, byte[] onnx, String id) throws SnapshotException {
        float[][] probe = probe(network.inputs());
        float[][] expected = network.logits(probe);
        for (float[] row : expected) {
            if (LogitMath.firstNonFinite(row) >= 0) {
                throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id
                    + ": the network's logits on the probe batch are not finite");
            }
        }
        if (!network.weightsFinite()) {
            throw new SnapshotException(Rejection.NON_FINITE_WEIGHTS, id + ": a weight or bias is not finite");
        }
        OnnxPredictor predictor = null;
        double diff;
        try {
            predictor = new OnnxPredictor(onnx);
            diff = maxDifference(expected, predictor, probe, network.outputs());
        } catch (RuntimeException e) {
            closeQuietly(predictor, e);
            throw new SnapshotException(Rejection.ONNX_MISMATCH, id + ": the ONNX graph does not run: " + e, e);
        }
        if (!(diff <= TOLERANCE)) {
            predictor.close();
            throw new SnapshotException(Rejection.ONNX_MISMATCH, id + ": ONNX logits differ from the network's by "
                + diff + " on the probe batch (tolerance " + TOLERANCE + ")");
        }
        return predictor;
    }

    private static void closeQuietly(OnnxPredictor predictor, RuntimeException cause) {
        if (predictor != null) {
            try {
                predictor.close();
            } catch (RuntimeException e) {
                cause.addSuppressed(e);
            }
        }
    }

    private static double maxDifference(float[][] a, OnnxPredictor onnx, float[][] probe, int outputs) {
        if (onnx.inputs() != probe[0].length || onnx.outputs() != outputs) {
            return Double.POSITIVE_INFINITY;
        }
        float[][] b = onnx.logits(probe);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                double d = Math.abs((double) a[i][j] - b[i][j]);
                max = Double.isNaN(d) ? Double.POSITIVE_INFINITY : Math.max(max, d);
            }
        }
        return max;
    }

    /** A fixed batch: a row of zeros, then seeded rows in [0, 1) like normalized pixels. */
    static float[][] probe(int width) {
        SplittableRandom random = new SplittableRandom(PROBE_SEED);
        float[][] rows = new float[PROBE_ROWS][width];
        for (int i = 1; i < PROBE_ROWS; i++) {
            for (int j = 0; j < width; j++) {
                rows[i][j] = (float) random.nextDouble();
            }
        }
        return rows;
    }
}
