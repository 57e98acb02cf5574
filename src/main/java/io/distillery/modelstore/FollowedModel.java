package io.distillery.modelstore;

import io.distillery.config.Config;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.topics.TopicSpec;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The newest verified snapshot of one model on a snapshot topic, kept current by a follower thread.
 *
 * <p>Each snapshot is decoded and its HMAC and checksum verified, its version must be newer than the
 * current one, its shape must match, and it must run one test prediction; only then does one atomic
 * reference change. A snapshot that fails any step is counted ({@code distill.snapshots.rejected}),
 * logged with its reason, and the previous one stays. Readers get an immutable {@link Current}; the
 * network in it is only read, never trained, so a reader that calls it from several threads should
 * {@link Network#copy()} it first ({@code output()} is synchronized).
 */
public final class FollowedModel implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FollowedModel.class);
    private static final SnapshotLoader LOADER = new SnapshotLoader();

    /** A verified snapshot: its version, its network, its manifest and the signed message itself. */
    public record Current(long version, Network network, SnapshotManifest manifest, byte[] encoded) {
    }

    private final String model;
    private final SnapshotCodec codec;
    private final int inputs;
    private final int outputs;
    private final RoleMetrics metrics;
    private final String role;
    private final AtomicReference<Current> current = new AtomicReference<>();
    private final SnapshotFollower follower;

    /**
     * @param model the model name (the snapshot's key), e.g. {@code teacher}
     * @param role the role tag of the metrics
     */
    public FollowedModel(Config config, TopicSpec topic, String model, SnapshotCodec codec, int inputs, int outputs,
                         RoleMetrics metrics, String role) {
        this.model = model;
        this.codec = codec;
        this.inputs = inputs;
        this.outputs = outputs;
        this.metrics = metrics;
        this.role = role;
        this.follower = SnapshotFollower.create(config, topic, this::offer, metrics, role);
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

    void offer(String key, byte[] value, long offset) {
        if (!model.equals(key)) {
            return;
        }
        try {
            Snapshot s = codec.decode(value);
            Current now = current.get();
            if (now != null && s.manifest().version() <= now.version()) {
                throw new SnapshotException(Rejection.STALE_VERSION, "version " + s.manifest().version()
                    + " is not newer than " + now.version());
            }
            Network n = LOADER.load(s, inputs, outputs);
            current.set(new Current(s.manifest().version(), n, s.manifest(), value));
            metrics.counter(Metrics.HOT_SWAPS, role, model).increment();
            metrics.gauge(Metrics.SNAPSHOT_VERSION, role, model).set(s.manifest().version());
            LOG.info("{} snapshot v{} verified and in use (offset {})", model, s.manifest().version(), offset);
        } catch (SnapshotException e) {
            metrics.counter(Metrics.SNAPSHOTS_REJECTED, role, model, e.reason().tag()).increment();
            LOG.warn("{} snapshot at offset {} rejected ({}): {}", model, offset, e.reason().tag(), e.getMessage());
        }
    }

    @Override
    public void close() {
        follower.close();
    }
}
