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
import java.util.function.IntFunction;

/**
 * The equivalence gate between a network and its ONNX graph: both run a fixed probe batch and every logit
 * must agree within {@link #TOLERANCE} (absolute), and so must every value of the graph's
 * {@value OnnxExport#HIDDEN} output, when it has one, with the network's last hidden layer (a teacher's, for
 * the emitter's hints; graphs written before that output existed have only logits and pass on them). Writers
 * check before they publish, readers again when they load, so no engine ever serves a graph that computes
 * something else than the network it was signed with. Writers record what they checked against in the manifest
 * ({@link ProbeOutputs}), so a reader that serves the graph alone checks it without restoring the network.
 * Stateless; thread-safe.
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
     * Checks that {@code onnx} computes {@code network}'s logits, and answers what it was checked against: the
     * network's outputs on the probe batch, for the manifest (see {@link #open(SnapshotManifest, byte[])}).
     *
     * @param id the snapshot's id, for the message
     * @throws SnapshotException {@link Rejection#TEST_PREDICTION_FAILED} when the network's own logits on the
     *     probe batch are not finite, {@link Rejection#NON_FINITE_WEIGHTS} when a weight or bias is (such a
     *     snapshot is never published, nor loaded); {@link Rejection#ONNX_MISMATCH} when
     *     a logit or a value of the graph's hidden output differs by more than the tolerance (a hidden output
     *     of another width, or on a network without hidden layers, differs by infinity), or the graph does
     *     not load or run as a {@code [N, inputs] -> [N, outputs]} model
     */
    public static ProbeOutputs check(Network network, byte[] onnx, String id) throws SnapshotException {
        float[][] logits = expectedLogits(network, id);
        Checked checked = verify(onnx, id, network.inputs(), logits, width -> hidden(network, width));
        checked.predictor().close();
        return new ProbeOutputs(logits, checked.hidden());
    }

    /**
     * As {@link #check}, and answers the ONNX Runtime session the check ran on, for a reader that predicts with
     * it: the graph that passed is the one that serves, loaded once. The caller closes it.
     */
    public static OnnxPredictor open(Network network, byte[] onnx, String id) throws SnapshotException {
        return verify(onnx, id, network.inputs(), expectedLogits(network, id), width -> hidden(network, width))
            .predictor();
    }

    /**
     * Whether {@link #open(SnapshotManifest, byte[])} can check a graph against this manifest: its writer recorded
     * the network's outputs on the probe batch (every writer since the field exists does).
     */
    public static boolean canCheck(SnapshotManifest manifest) {
        return !manifest.probeLogits().isEmpty();
    }

    /**
     * As {@link #open(Network, byte[], String)} for a reader that never runs the network itself: the graph's
     * outputs on the probe batch are checked against those its writer signed into the manifest (computed by the
     * network it checked the graph against before publishing), so the network need not be restored. The same
     * refusals, and {@link Rejection#ONNX_MISMATCH} when the manifest's probe outputs are not of the probe
     * batch's shape, or the graph has a hidden output the manifest has no values for.
     *
     * @throws IllegalArgumentException when {@link #canCheck} is false for the manifest
     */
    public static OnnxPredictor open(SnapshotManifest manifest, byte[] onnx) throws SnapshotException {
        if (!canCheck(manifest)) {
            throw new IllegalArgumentException(manifest.id() + " records no probe outputs");
        }
        float[][] logits = ProbeOutputs.decode(manifest.probeLogits(), PROBE_ROWS, manifest.outputs());
        if (logits == null) {
            throw new SnapshotException(Rejection.ONNX_MISMATCH, manifest.id()
                + ": the manifest's probeLogits are not " + PROBE_ROWS + " rows of " + manifest.outputs());
        }
        requireFinite(logits, manifest.id());
        return verify(onnx, manifest.id(), manifest.inputs(), logits,
            width -> ProbeOutputs.decode(manifest.probeHidden(), PROBE_ROWS, width)).predictor();
    }

    /** The network's logits on the probe batch, which must be finite, as must its weights. */
    private static float[][] expectedLogits(Network network, String id) throws SnapshotException {
        float[][] logits = network.logits(probe(network.inputs()));
        requireFinite(logits, id);
        if (!network.weightsFinite()) {
            throw new SnapshotException(Rejection.NON_FINITE_WEIGHTS, id + ": a weight or bias is not finite");
        }
        return logits;
    }

    /** The network's last hidden layer on the probe batch; null when it has none of that width. */
    private static float[][] hidden(Network network, int width) {
        return network.hasHidden() && width == network.hiddenWidth()
            ? network.forward(probe(network.inputs())).hidden() : null;
    }

    private static void requireFinite(float[][] logits, String id) throws SnapshotException {
        for (float[] row : logits) {
            if (LogitMath.firstNonFinite(row) >= 0) {
                throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id
                    + ": the network's logits on the probe batch are not finite");
            }
        }
    }

    /** A graph that passed, loaded, and the hidden values it was compared with (null: it has no hidden output). */
    private record Checked(OnnxPredictor predictor, float[][] hidden) {
    }

    /**
     * Loads the graph and compares its outputs on the probe batch with the expected {@code logits} and, when the
     * graph has a hidden output, with {@code hidden.apply(its width)} (null: none of that width, a mismatch).
     */
    private static Checked verify(byte[] onnx, String id, int inputs, float[][] logits,
                                  IntFunction<float[][]> hidden) throws SnapshotException {
        float[][] probe = probe(inputs);
        OnnxPredictor predictor = null;
        double diff;
        double hiddenDiff = 0;
        float[][] want = null;
        try {
            predictor = new OnnxPredictor(onnx);
            int outputs = logits[0].length;
            if (predictor.inputs() != inputs || predictor.outputs() != outputs) {
                diff = Double.POSITIVE_INFINITY;
            } else if (predictor.hasHidden()) {
                Forward got = predictor.forward(probe);
                diff = maxDifference(logits, got.logits());
                want = hidden.apply(predictor.hiddenWidth());
                hiddenDiff = want == null ? Double.POSITIVE_INFINITY : maxDifference(want, got.hidden());
            } else {
                diff = maxDifference(logits, predictor.logits(probe));
            }
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
        return new Checked(predictor, want);
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
