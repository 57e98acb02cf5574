package io.distillery.modelstore;

import io.distillery.config.Config;
import io.distillery.config.SnapshotSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.TopicSpec;
import java.time.Clock;
import java.util.List;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What a role needs to write, follow and resume from signed snapshots, in one place: the configuration,
 * the Kafka clients, the signing codec, the role's metrics and its clock. Immutable; the objects it makes
 * belong to the caller.
 */
public final class ModelStore {
    private final Config config;
    private final ClientFactory clients;
    private final SnapshotCodec codec;
    private final RoleMetrics metrics;
    private final String role;
    private final Clock clock;

    /** @param role the role tag of the metrics and the role written into published manifests */
    public ModelStore(Config config, ClientFactory clients, SnapshotCodec codec, RoleMetrics metrics, String role,
                      Clock clock) {
        this.config = config;
        this.clients = clients;
        this.codec = codec;
        this.metrics = metrics;
        this.role = role;
        this.clock = clock;
    }

    /** A store with real Kafka clients and the system clock. */
    public static ModelStore of(Config config, SnapshotCodec codec, RoleMetrics metrics, String role) {
        return new ModelStore(config, ClientFactory.KAFKA, codec, metrics, role, Clock.systemUTC());
    }

    /** Follows the verified snapshots of {@code model} on {@code topic}; start it, close it. */
    public FollowedModel follow(TopicSpec topic, String model, int inputs, int outputs) {
        return new FollowedModel(config, clients, topic, model, codec, inputs, outputs, metrics, role);
    }

    /**
     * A writer of this role's snapshots of {@code model} to {@code topic}, and of their checkpoints (the same
     * with the optimizer state) to {@code checkpointTopic}; close it.
     */
    public SnapshotWriter writer(TopicSpec topic, TopicSpec checkpointTopic, String model) {
        return new SnapshotWriter(config, clients, topic, checkpointTopic, model, role, codec, metrics, clock);
    }

    /**
     * Where this role starts again: the newest of its checkpoints of {@code model} on {@code checkpointTopic} and
     * snapshots on {@code topic} that verifies (a checkpoint before the snapshot of the same version), and the
     * version to number its next snapshot above; see {@link ResumePoint}.
     *
     * @param input the role's input consumer, for the beginning offsets
     * @param parts the role's input partitions
     * @throws org.apache.kafka.common.errors.TimeoutException (retriable) when a topic could not be read in time
     * @throws ResumePoint.ColdStartRefused when snapshots exist, none verifies, and a cold start is not allowed
     */
    public ResumePoint resume(TopicSpec topic, TopicSpec checkpointTopic, String model, int inputs, int outputs,
                              Consumer<?, ?> input, List<TopicPartition> parts) throws InterruptedException {
        SnapshotVerifier<CheckedNetwork> verifier = SnapshotVerifier.ofNetworks(model, inputs, outputs, codec, metrics,
            role);
        return ResumePoint.read(model, List.of(source(topic, false), source(checkpointTopic, true)),
            value -> verifier.verify(value, -1), SnapshotSettings.from(config).allowColdStart(), metrics, role, input,
            parts);
    }

    private ResumePoint.Source source(TopicSpec topic, boolean checkpoints) {
        return new ResumePoint.Source(topic.name(), checkpoints,
            listener -> SnapshotFollower.create(config, clients, topic, listener, metrics, role));
    }

    public Clock clock() {
        return clock;
    }

    public RoleMetrics metrics() {
        return metrics;
    }

    public SnapshotCodec codec() {
        return codec;
    }
}
