package io.distillery.serving;

import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.SnapshotVerifier;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.spec.Roles;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands each snapshot message that the {@link SnapshotVerifier} passes to the {@link ModelRegistry}: builds
 * the pool of copies before the swap ({@code LOAD_FAILED} when a copy fails), and the registry repeats the
 * version comparison atomically ({@code STALE_VERSION}) and serves it, holds it, or makes it the candidate
 * that the {@link VersionScorer} decides on. Refusals are counted and logged by the verifier;
 * the served model is untouched. A snapshot served, held or made the candidate settles the model for the
 * follower, which offers older ones only while the newer are refused.
 *
 * <p>Threading: called on the follower thread, one message at a time.
 */
final class SnapshotSwapper implements SnapshotFollower.Listener {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotSwapper.class);
    private final SnapshotFollower.Listener verified;
    private final ModelRegistry registry;
    private final ServeMetrics metrics;
    private final int copies;

    SnapshotSwapper(String model, int features, int classes, int copies, SnapshotCodec codec, ModelLoader loader,
                    ModelRegistry registry, ServeMetrics metrics) {
        this.registry = registry;
        this.verified = new SnapshotVerifier<>(model, features, classes, codec, loader, metrics.registry(), Roles.SERVE)
            .listener(registry::newestVersion, this::swap);
        this.metrics = metrics;
        this.copies = copies;
    }

    @Override
    public boolean onSnapshot(String key, byte[] value, long offset) {
        return verified.onSnapshot(key, value, offset);
    }

    private boolean swap(SnapshotVerifier.Verified<ServingNetwork> verified) throws SnapshotException {
        ServedModel model;
        try {
            model = ServedModel.of(verified.manifest(), verified.model(), copies);
        } catch (RuntimeException e) {
            throw new SnapshotException(Rejection.LOAD_FAILED, "cannot copy " + verified.manifest().id() + ": " + e, e);
        }
        ModelRegistry.Placement placement;
        try {
            placement = registry.offer(model);
        } catch (SnapshotException e) {
            model.retire();
            throw e;
        }
        if (placement.served()) {
            metrics.hotSwap();
        }
        if (placement == ModelRegistry.Placement.REPLACED_WAITING) {
            metrics.candidate("replaced");
        }
        if (placement.candidate()) {
            LOG.info("version {} is the candidate: scored beside version {}, served once it passes", model.version(),
                registry.state().currentVersion());
        }
        return placement.served();
    }
}
