package io.distillery.modelstore;

import io.distillery.inference.OnnxPredictor;
import io.distillery.model.Forward;
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
 * must agree within {@link #TOLERANCE} (absolute), and so must every value of the graph's
 * {@value OnnxExport#HIDDEN} output, when it has one, with the network's last hidden layer (a teacher's, for
 * the emitter's hints; graphs written before that output existed have only logits and pass on them). Writers
 * check before they publish, readers again when they load, so no engine ever serves a graph that computes
 * something else than the network it was signed with. Stateless; thread-safe.
 */
public final class OnnxGate {
    /** Largest absolute difference allowed between the two engines' logits (and hidden activations). */
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
     *     a logit or a value of the graph's hidden output differs by more than the tolerance (a hidden output
     *     of another width, or on a network without hidden layers, differs by infinity), or the graph does
     *     not load or run as a {@code [N, inputs] -> [N, outputs]} model
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
        double hiddenDiff;
        try {
            predictor = new OnnxPredictor(onnx);
            Forward got = outputs(predictor, probe, network);
            diff = got == null ? Double.POSITIVE_INFINITY : maxDifference(expected, got.logits());
            hiddenDiff = got == null ? 0 : hiddenDifference(network, probe, got, predictor.hiddenWidth());
        } catch (RuntimeException e) {
            closeQuietly(predictor, e);
            throw new SnapshotException(Rejection.ONNX_MISMATCH, id + ": the ONNX graph does not run: " + e, e);
        }
        if (!(diff <= TOLERANCE)) {
            predictor.close();
            throw mismatch(id, "logits differ from the network's", diff);
        }
        if (!(hiddenDiff <= TOLERANCE)) {
            predictor.close();
            throw mismatch(id, OnnxExport.HIDDEN + " output differs from the network's last hidden layer", hiddenDiff);
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

    /**
     * The graph's outputs on the probe batch, its hidden output too when it has one (else null there); null when
     * its input or logits width is not the network's.
     */
    private static Forward outputs(OnnxPredictor onnx, float[][] probe, Network network) {
        if (onnx.inputs() != network.inputs() || onnx.outputs() != network.outputs()) {
            return null;
        }
        return onnx.hasHidden() ? onnx.forward(probe) : new Forward(onnx.logits(probe), null);
    }

    /**
     * How far the graph's hidden output is from the network's last hidden layer: 0 for a graph without one
     * (nothing to compare), infinity for one of another width or on a network without hidden layers.
     */
    private static double hiddenDifference(Network network, float[][] probe, Forward got, int width) {
        if (got.hidden() == null) {
            return 0;
        }
        if (!network.hasHidden() || width != network.hiddenWidth()) {
            return Double.POSITIVE_INFINITY;
        }
        return maxDifference(network.forward(probe).hidden(), got.hidden());
    }

    private static SnapshotException mismatch(String id, String what, double diff) {
        return new SnapshotException(Rejection.ONNX_MISMATCH, id + ": ONNX " + what + " by " + diff
            + " on the probe batch (tolerance " + TOLERANCE + ")");
    }

    private static double maxDifference(float[][] a, float[][] b) {
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
