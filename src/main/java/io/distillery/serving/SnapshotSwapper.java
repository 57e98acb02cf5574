package io.distillery.serving;

import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.snapshot.SnapshotManifest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Verifies each snapshot message and hands the ones that pass to the {@link ModelRegistry}.
 *
 * <p>Checks, in order, stopping at the first failure: signature, checksum and format
 * ({@link SnapshotCodec#decode}); manifest shape against the configured feature and class counts
 * ({@code WRONG_SHAPE}); version newer than every verified one ({@code STALE_VERSION}, checked early
 * to skip the load and again at the swap); load ({@code LOAD_FAILED}); network shape; one test
 * prediction that must give finite logits of the right width ({@code TEST_PREDICTION_FAILED}). The
 * copies for the pool are built before the swap. A refused snapshot is counted by reason and logged;
 * the served model is untouched.
 *
 * <p>Threading: called on the follower thread, one message at a time.
 */
final class SnapshotSwapper implements SnapshotFollower.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSwapper.class);

    private final String model;
    private final int features;
    private final int classes;
    private final int copies;
    private final SnapshotCodec codec;
    private final ModelLoader loader;
    private final ModelRegistry registry;
    private final ServeMetrics metrics;

    SnapshotSwapper(String model, int features, int classes, int copies, SnapshotCodec codec, ModelLoader loader,
                    ModelRegistry registry, ServeMetrics metrics) {
        this.model = model;
        this.features = features;
        this.classes = classes;
        this.copies = copies;
        this.codec = codec;
        this.loader = loader;
        this.registry = registry;
        this.metrics = metrics;
    }

    @Override
    public void onSnapshot(String key, byte[] value, long offset) {
        if (!model.equals(key)) {
            LOG.debug("ignoring snapshot of model {} at offset {}", key, offset);
            return;
        }
        try {
            ServedModel verified = verify(value);
            boolean served = registry.offer(verified);
            if (served) {
                metrics.hotSwap();
            }
            LOG.info("verified snapshot {} version {} at offset {}{}", verified.manifest().id(), verified.version(),
                offset, served ? ": now serving it" : ": held, serving stays pinned");
        } catch (SnapshotException e) {
            metrics.rejected(e.reason());
            LOG.warn("rejected snapshot of {} at offset {} ({}): {}", key, offset, e.reason().tag(), e.getMessage());
        }
    }

    /** Every check but the final version comparison, which {@link ModelRegistry#offer} repeats atomically. */
    ServedModel verify(byte[] value) throws SnapshotException {
        Snapshot snapshot = codec.decode(value);
        SnapshotManifest m = snapshot.manifest();
        checkShape(m.inputs(), m.outputs(), "manifest of " + m.id());
        long newest = registry.newestVersion();
        if (m.version() <= newest) {
            throw new SnapshotException(Rejection.STALE_VERSION, "version " + m.version()
                + " is not newer than version " + newest + " already verified");
        }
        ServingNetwork network;
        try {
            network = loader.load(snapshot, features, classes);
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.LOAD_FAILED, "cannot load " + m.id() + ": " + e, e);
        }
        checkShape(network.inputs(), network.outputs(), "network of " + m.id());
        testPrediction(network, m.id());
        try {
            return ServedModel.of(m, network, copies);
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.LOAD_FAILED, "cannot copy " + m.id() + ": " + e, e);
        }
    }

    private void checkShape(int inputs, int outputs, String what) throws SnapshotException {
        if (inputs != features || outputs != classes) {
            throw new SnapshotException(Rejection.WRONG_SHAPE, what + " is " + inputs + "-in " + outputs
                + "-out; data.features=" + features + ", data.classes=" + classes);
        }
    }

    private void testPrediction(ServingNetwork network, String id) throws SnapshotException {
        float[][] out;
        try {
            out = network.logits(new float[1][features]);
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id + " failed to predict: " + e, e);
        }
        if (out == null || out.length != 1 || out[0] == null || out[0].length != classes) {
            throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id + " gave no row of " + classes
                + " logits for one input row");
        }
        for (float v : out[0]) {
            if (!Float.isFinite(v)) {
                throw new SnapshotException(Rejection.TEST_PREDICTION_FAILED, id + " gave a non-finite logit");
            }
        }
    }
}
