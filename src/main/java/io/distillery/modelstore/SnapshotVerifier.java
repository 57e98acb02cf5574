package io.distillery.modelstore;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.snapshot.SnapshotSlots;
import java.util.Arrays;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path from a snapshot message to a model that may be used, for every role that loads snapshots.
 *
 * <p>Checks, in order, stopping at the first failure: the key names the model ({@code model/slot} or the bare
 * model name, {@link SnapshotSlots}; others are ignored);
 * signature, checksum and format ({@link SnapshotCodec#decode}); that the signed manifest names the same
 * model, written by that model's own role ({@link Rejection#WRONG_MODEL}: the key is not signed, so a
 * properly signed teacher snapshot under the student's key is not the student); the manifest's shape against the
 * expected feature and class counts ({@link Rejection#WRONG_SHAPE}); a version newer than the newest one
 * the caller holds ({@link Rejection#STALE_VERSION}, before the costly load); the load ({@link
 * Rejection#LOAD_FAILED}); the loaded model's shape; one prediction on a row of zeros, which must give
 * finite logits of the expected width ({@link Rejection#TEST_PREDICTION_FAILED}). What passes goes to a
 * {@link Sink}, which may still refuse it. A refusal at any step is counted in {@code
 * distill.snapshots.rejected{role,model,reason}} and logged with its reason; the caller's model stays.
 *
 * <p>Stateless apart from its settings; thread-safe. The loaded model belongs to the sink.
 *
 * @param <P> the kind of model the loader makes
 */
public final class SnapshotVerifier<P extends Predictor> {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotVerifier.class);

    /** Deserializes the model bytes of a decoded, signature-checked snapshot. */
    @FunctionalInterface
    public interface Loader<P> {
        /** @throws SnapshotException or any runtime exception (a {@code LOAD_FAILED}) when the bytes do not load */
        P load(Snapshot snapshot) throws SnapshotException;
    }

    /** Takes a verified snapshot into use. */
    @FunctionalInterface
    public interface Sink<P> {
        /**
         * @return whether the model is now in use (false: held, e.g. while serving is pinned)
         * @throws SnapshotException when the caller refuses it after all (e.g. a newer one came first)
         */
        boolean accept(Verified<P> verified) throws SnapshotException;
    }

    /** A snapshot that passed every check: its manifest, its loaded model and the signed message. */
    public record Verified<P>(SnapshotManifest manifest, P model, byte[] encoded) {
        public long version() {
            return manifest.version();
        }
    }

    private final String model;
    private final int inputs;
    private final int outputs;
    private final SnapshotCodec codec;
    private final Loader<P> loader;
    private final RoleMetrics metrics;
    private final String role;

    /**
     * @param model the model name, which the snapshots' keys name (see SnapshotSlots)
     * @param inputs the feature count the caller will feed
     * @param outputs the class count the caller expects
     * @param role the {@code role} tag of the counters
     */
    public SnapshotVerifier(String model, int inputs, int outputs, SnapshotCodec codec, Loader<P> loader,
                            RoleMetrics metrics, String role) {
        this.model = model;
        this.inputs = inputs;
        this.outputs = outputs;
        this.codec = codec;
        this.loader = loader;
        this.metrics = metrics;
        this.role = role;
    }

    /**
     * A verifier of DL4J networks (training state included) with their ONNX graphs: the snapshot's own,
     * checked equal to the network by the {@link OnnxGate} ({@link Rejection#ONNX_MISMATCH}), or, for a
     * version-1 snapshot that has none, exported on load.
     */
    public static SnapshotVerifier<CheckedNetwork> ofNetworks(String model, int inputs, int outputs,
                                                              SnapshotCodec codec, RoleMetrics metrics, String role) {
        return new SnapshotVerifier<>(model, inputs, outputs, codec, SnapshotVerifier::checked, metrics, role);
    }

    /**
     * As {@link #ofNetworks}, for a reader that only predicts with the networks (a follower of another role's
     * model): they are restored without their updater state, which for the default teacher is twice its weights
     * and most of a restore's CPU.
     */
    public static SnapshotVerifier<CheckedNetwork> ofPredictingNetworks(String model, int inputs, int outputs,
                                                                        SnapshotCodec codec, RoleMetrics metrics,
                                                                        String role) {
        return new SnapshotVerifier<>(model, inputs, outputs, codec, s -> checked(s, false), metrics, role);
    }

    /** The network of a snapshot, training state included, and its ONNX graph, checked equal. */
    public static CheckedNetwork checked(Snapshot snapshot) throws SnapshotException {
        return checked(snapshot, true);
    }

    /**
     * As {@link #checked(Snapshot)}; without the network's updater state when {@code withUpdater} is false, for
     * a reader that only predicts.
     */
    public static CheckedNetwork checked(Snapshot snapshot, boolean withUpdater) throws SnapshotException {
        byte[] onnx = snapshot.onnxBytes();
        // format 5: the network section may leave its weights to the graph
        Network network = Network.fromBytes(snapshot.modelBytes(), onnx, withUpdater);
        if (onnx.length == 0) {
            onnx = OnnxGate.export(network, snapshot.manifest());
        }
        OnnxGate.check(network, onnx, snapshot.manifest().id());
        return new CheckedNetwork(network, onnx);
    }

    /**
     * A follower listener that verifies each snapshot of this model and hands the ones that pass to the sink;
     * it settles a model (see {@link SnapshotFollower.Listener}) with a snapshot the sink used or held.
     *
     * @param newestVersion the newest version the caller already holds (-1 for none)
     */
    public SnapshotFollower.Listener listener(LongSupplier newestVersion, Sink<P> sink) {
        return (key, value, offset) -> take(key, value, offset, newestVersion.getAsLong(), sink) != Taken.REFUSED;
    }

    /** Verifies one message and hands it to the sink; a refusal is counted and logged. Returns whether used. */
    public boolean offer(String key, byte[] value, long offset, long newestVersion, Sink<P> sink) {
        return take(key, value, offset, newestVersion, sink) == Taken.USED;
    }

    /** What became of one message: another model's, refused, or verified and then used or held by the sink. */
    private enum Taken { OTHER_MODEL, REFUSED, USED, HELD }

    private Taken take(String key, byte[] value, long offset, long newestVersion, Sink<P> sink) {
        if (!model.equals(SnapshotSlots.model(key))) {
            LOG.debug("ignoring snapshot {} at offset {}", key, offset);
            return Taken.OTHER_MODEL;
        }
        try {
            Verified<P> v = verify(value, newestVersion);
            boolean used = sink.accept(v);
            LOG.info("{} snapshot {} v{} verified at offset {} by {}{}", model, v.manifest().id(), v.version(), offset,
                role, used ? ", now in use" : ", held");
            return used ? Taken.USED : Taken.HELD;
        } catch (SnapshotException e) {
            metrics.counter(Metrics.SNAPSHOTS_REJECTED, role, model, e.reason().tag()).increment();
            LOG.warn("{} snapshot at offset {} rejected ({}): {}", model, offset, e.reason().tag(), e.getMessage());
            return Taken.REFUSED;
        }
    }

    /**
     * Every check of one message.
     *
     * @param newestVersion the newest version already held; the snapshot must be newer
     * @throws SnapshotException naming the first check that failed
     */
    public Verified<P> verify(byte[] value, long newestVersion) throws SnapshotException {
        Snapshot snapshot = codec.decode(value);
        SnapshotManifest m = snapshot.manifest();
        // each model is written by the role of the same name (Models and Roles share the two names)
        if (!model.equals(m.model()) || !model.equals(m.role())) {
            throw new SnapshotException(Rejection.WRONG_MODEL, m.id() + " is model " + m.model() + " written by role "
                + m.role() + "; expected model " + model + " written by role " + model);
        }
        requireShape("manifest of " + m.id(), m.inputs(), m.outputs());
        if (m.version() <= newestVersion) {
            throw new SnapshotException(Rejection.STALE_VERSION, "version " + m.version()
                + " is not newer than version " + newestVersion + " already held");
        }
        P loaded;
        try {
            loaded = loader.load(snapshot);
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.LOAD_FAILED, "cannot load " + m.id() + ": " + e, e);
        }
        try {
            requireShape("model of " + m.id(), loaded.inputs(), loaded.outputs());
            testPrediction(loaded, m.id());
        } catch (SnapshotException e) {
            loaded.close();
            throw e;
        }
        return new Verified<>(m, loaded, value);
    }

    private void requireShape(String what, int in, int out) throws SnapshotException {
        if (in != inputs || out != outputs) {
            throw new SnapshotException(Rejection.WRONG_SHAPE, what + " is " + in + "-in " + out
                + "-out; expected " + inputs + " features and " + outputs + " classes");
        }
    }

    private void testPrediction(P loaded, String id) throws SnapshotException {
        float[][] logits;
        try {
            logits = loaded.logits(new float[1][inputs]);
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id + " failed to predict: " + e, e);
        }
        if (logits == null || logits.length != 1 || logits[0] == null || logits[0].length != outputs) {
            throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id + " gave no row of " + outputs
                + " logits for one input row");
        }
        if (LogitMath.firstNonFinite(logits[0]) >= 0) {
            throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id
                + ": test prediction is not finite: " + Arrays.toString(logits[0]));
        }
    }
}
