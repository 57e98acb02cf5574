package io.distillery.modelstore;

import io.distillery.config.Config;
import io.distillery.config.Secrets;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.snapshot.LibraryVersions;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.TopicSpec;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.BiFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes signed snapshots of one model: builds the manifest (version, parent teacher version,
 * config hash without secrets, consumed input offsets, library versions, time, shape), serializes the
 * network, signs it and writes it to the compacted snapshot topic, and waits for the broker's acknowledgement.
 * Each snapshot also carries the network as an ONNX graph, which must pass the {@link OnnxGate} first, and the
 * network's outputs on the gate's probe batch in its manifest, so a reader of the graph alone can check it too.
 *
 * <p>The optimizer state (Adam's two moments: twice the weights' bytes, half of a trained network's message) is only
 * for the writer itself, to resume training where it stopped. It goes to the model's checkpoint topic, written
 * first, with the network as trained and the snapshot's manifest; the snapshot that readers fetch leaves it out,
 * and no ONNX section is written twice. When the published network is not the one trained (a weight average), the
 * checkpoint's manifest names no probe outputs, which describe the published network. In snapshot format 5 the
 * snapshot's network section leaves the weights to the ONNX graph, whose initializers are the same floats, so readers
 * fetch them once ({@link SnapshotCodec#weightsInOnnxSection}); the checkpoint keeps its weights with their state.
 * Single-threaded: the owner of the network calls it.
 */
public final class SnapshotWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotWriter.class);
    private final SnapshotPublisher publisher;
    private final SnapshotPublisher checkpoints;
    private final SnapshotCodec codec;
    private final String model;
    private final String role;
    private final String configHash;
    private final RoleMetrics metrics;
    private final Clock clock;
    private final BiFunction<Network, SnapshotManifest, byte[]> exporter;

    /**
     * @param topic where the snapshots go
     * @param checkpointTopic where the same snapshots go with the optimizer state, for the writer's restarts
     */
    public SnapshotWriter(Config config, ClientFactory clients, TopicSpec topic, TopicSpec checkpointTopic,
                          String model, String role, SnapshotCodec codec, RoleMetrics metrics, Clock clock) {
        this(config, clients, topic, checkpointTopic, model, role, codec, metrics, clock, OnnxGate::export);
    }

    /** With another ONNX exporter (tests of the gate). */
    SnapshotWriter(Config config, ClientFactory clients, TopicSpec topic, TopicSpec checkpointTopic, String model,
                   String role, SnapshotCodec codec, RoleMetrics metrics, Clock clock,
                   BiFunction<Network, SnapshotManifest, byte[]> exporter) {
        this.exporter = exporter;
        this.publisher = SnapshotPublisher.create(config, clients, topic);
        this.checkpoints = SnapshotPublisher.create(config, clients, checkpointTopic);
        this.codec = codec;
        this.model = model;
        this.role = role;
        this.configHash = configHash(config);
        this.metrics = metrics;
        this.clock = clock;
    }

    /** Publishes {@code network} and checkpoints the same network; see the other {@code publish}. */
    public Optional<Snapshot> publish(Network network, long version, long parentTeacherVersion,
                                      Map<String, Long> offsets) {
        return publish(network, network, version, parentTeacherVersion, offsets);
    }

    /**
     * Publishes one version and waits until the broker has it: the checkpoint of {@code trained} (with its optimizer
     * state, without an ONNX graph) first, then the snapshot of {@code published} (with the graph, without the
     * state), so that a snapshot readers have seen is never newer than the writer's restart point.
     *
     * @param published the network readers get: a weight average of {@code trained}, or {@code trained} itself
     * @param trained the network the writer goes on training
     * @param offsets next offset to consume per "topic-partition"
     * @param parentTeacherVersion the teacher version a student learned from, or -1
     * @return the snapshot as published; empty when its ONNX graph failed the {@link OnnxGate} (counted in
     *     {@code distill.snapshots.rejected{reason="onnx_mismatch"}} and logged; nothing was published)
     */
    public Optional<Snapshot> publish(Network published, Network trained, long version, long parentTeacherVersion,
                                      Map<String, Long> offsets) {
        SnapshotManifest m = SnapshotManifest.builder()
            .id(model + "-v" + version + "-" + UUID.randomUUID().toString().substring(0, 8))
            .model(model).role(role).version(version).parentTeacherVersion(parentTeacherVersion)
            .configHash(configHash).inputOffsets(offsets).libraryVersions(LibraryVersions.current())
            .createdAtMs(clock.millis()).shape(published.inputs(), published.outputs())
            .build();
        byte[] onnx = exporter.apply(published, m);
        try {
            m = OnnxGate.check(published, onnx, m.id()).recordIn(m);
        } catch (SnapshotException e) {
            metrics.counter(Metrics.SNAPSHOTS_REJECTED, role, model, e.reason().tag()).increment();
            LOG.error("{} snapshot v{} not published ({}): {}", model, version, e.reason().tag(), e.getMessage());
            return Optional.empty();
        }
        // the probe outputs describe the published network
        SnapshotManifest checkpoint = trained == published ? m : m.toBuilder().probe("", "").build();
        checkpoints.publish(Snapshot.of(checkpoint, trained.toBytes(true)), codec);
        // the graph's initializers are the weights: no need to carry them twice where readers can take them from it
        byte[] network = codec.weightsInOnnxSection() ? published.toBytesWithoutWeights() : published.toBytes(false);
        Snapshot s = Snapshot.of(m, network, onnx);
        publisher.publish(s, codec);
        metrics.counter(Metrics.SNAPSHOTS_PUBLISHED, role, model).increment();
        metrics.gauge(Metrics.SNAPSHOT_VERSION, role, model).set(version);
        return Optional.of(s);
    }

    /** The hash of the explicitly set values, secrets left out (see {@link Secrets}). */
    static String configHash(Config config) {
        return SnapshotManifest.configHash(Secrets.without(config.explicitValues()));
    }

    @Override
    public void close() {
        try (checkpoints) {
            publisher.close();
        }
    }
}
