package io.distillery.modelstore;

import io.distillery.config.Config;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.service.LoopOwner;
import io.distillery.service.ServiceLoop;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.TopicSpec;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The newest verified snapshot of one model on a snapshot topic, kept current by a {@link SnapshotFollower}.
 *
 * <p>Each snapshot goes through the {@link SnapshotVerifier}; only one that passes every check changes the
 * one atomic reference. Readers get an immutable {@link Current}; the network in it is only read, never
 * trained (it is restored without its updater state), so a reader that calls it from several threads should
 * {@link Network#copy()} it first.
 */
public final class FollowedModel implements LoopOwner {
    /** A verified snapshot: its version, its network with its ONNX graph, its manifest and the signed message. */
    public record Current(long version, CheckedNetwork checked, SnapshotManifest manifest, byte[] encoded) {
        /** The network: only read, never trained; copy it to share it across threads. */
        public Network network() {
            return checked.network();
        }
    }

    private final AtomicReference<Current> current = new AtomicReference<>();
    private final SnapshotFollower follower;
    private final RoleMetrics.GaugeValue versionGauge;
    private final Counter swaps;

    /**
     * @param model the model name (its snapshots' keys are {@code model/slot}), e.g. {@code teacher}
     * @param role the role tag of the metrics
     */
    public FollowedModel(Config config, ClientFactory clients, TopicSpec topic, String model, SnapshotCodec codec,
                         int inputs, int outputs, RoleMetrics metrics, String role) {
        SnapshotVerifier<CheckedNetwork> verifier = SnapshotVerifier.ofPredictingNetworks(model, inputs, outputs, codec,
            metrics, role);
        this.versionGauge = metrics.gauge(Metrics.SNAPSHOT_VERSION, role, model);
        this.swaps = metrics.counter(Metrics.HOT_SWAPS, role, model);
        this.follower = SnapshotFollower.create(config, clients, topic,
            verifier.listener(this::newestVersion, this::use), metrics, role);
    }

    /** As the other constructor, with real Kafka clients. */
    public FollowedModel(Config config, TopicSpec topic, String model, SnapshotCodec codec, int inputs, int outputs,
                         RoleMetrics metrics, String role) {
        this(config, ClientFactory.KAFKA, topic, model, codec, inputs, outputs, metrics, role);
    }

    public FollowedModel start() {
        follower.start();
        return this;
    }

    /** Waits until every snapshot present at start has been seen (verified or rejected). */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return follower.awaitCaughtUp(timeout);
    }

    /** The newest verified snapshot, or {@code null} when none has been accepted yet. */
    public Current current() {
        return current.get();
    }

    private long newestVersion() {
        Current c = current.get();
        return c == null ? -1 : c.version();
    }

    private boolean use(SnapshotVerifier.Verified<CheckedNetwork> v) {
        current.set(new Current(v.version(), v.model(), v.manifest(), v.encoded()));
        swaps.increment();
        versionGauge.set(v.version());
        return true;
    }

    @Override
    public ServiceLoop loop() {
        return follower.loop();
    }
}
