package io.distillery.snapshot;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.SnapshotSettings;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.InterruptException;

/**
 * Writes encoded snapshots to a compacted snapshot topic under the keys of {@link SnapshotSlots}, so that
 * the topic keeps the newest {@code snapshot.retain.versions} versions of each model.
 *
 * <p>The producer is idempotent with {@code acks=all}, and its {@code max.request.size} is raised to the
 * snapshot size limit ({@code topics.snapshot.max.bytes}). Settings under {@code kafka.} pass through
 * and override these defaults (security, bootstrap servers, and anything a Kafka user wants to tune);
 * only the serializers are fixed.
 *
 * <p>Thread-safe (the Kafka producer is). Retriable send errors are retried by the producer itself
 * within {@code delivery.timeout.ms}; what remains is thrown as a {@link KafkaException}.
 */
public final class SnapshotPublisher implements AutoCloseable {
    private final Producer<byte[], byte[]> producer;
    private final String topic;
    private final int retain;

    /**
     * A publisher over the given producer (a {@code MockProducer} in tests).
     *
     * @param retain the versions kept per model (the ring of {@link SnapshotSlots})
     */
    public SnapshotPublisher(Producer<byte[], byte[]> producer, String topic, int retain) {
        this.producer = Objects.requireNonNull(producer, "producer");
        this.topic = Objects.requireNonNull(topic, "topic");
        if (retain < 1) {
            throw new IllegalArgumentException("retain must be >= 1, was " + retain);
        }
        this.retain = retain;
    }

    /** A publisher to {@code topic} configured from {@code kafka.*} keys and the snapshot size limit. */
    public static SnapshotPublisher create(Config config, TopicSpec topic) {
        return create(config, ClientFactory.KAFKA, topic);
    }

    /** As {@link #create(Config, TopicSpec)}, with the producer made by {@code clients}. */
    public static SnapshotPublisher create(Config config, ClientFactory clients, TopicSpec topic) {
        int maxBytes = CommonSettings.from(config).snapshotMaxBytes();
        Map<String, Object> settings = producerConfig(config.kafkaProperties(), maxBytes);
        settings.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaClients.bootstrapServers(config));
        return new SnapshotPublisher(clients.producer(settings), topic.name(),
            SnapshotSettings.from(config).retainVersions());
    }

    /**
     * The producer settings: our defaults, then the pass-through {@code kafka.*} settings on top.
     *
     * @param maxSnapshotBytes the largest encoded snapshot, bytes
     */
    public static Map<String, Object> producerConfig(Map<String, Object> kafkaProperties, int maxSnapshotBytes) {
        Map<String, Object> p = new HashMap<>();
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        // request framing adds a few hundred bytes on top of the record itself
        p.put(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, maxSnapshotBytes + 64 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, Math.max(32L << 20, 2L * maxSnapshotBytes + (1 << 20)));
        p.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // the kernel sizes the socket buffer (autotuning) instead of Kafka's fixed 128 KiB: a snapshot of
        // about a megabyte then leaves in fewer writes, measured 15-30% less CPU on the producer's thread
        // (bench/run SnapshotTransportCost, docs/serving-benchmark.md)
        p.put(ProducerConfig.SEND_BUFFER_CONFIG, -1);
        p.putAll(kafkaProperties);
        p.remove(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG);
        p.remove(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG);
        return p;
    }

    /**
     * Sends without waiting under {@code key} (see {@link SnapshotSlots}); the future completes when the broker
     * has acknowledged the write.
     */
    public Future<RecordMetadata> send(String key, byte[] encodedSnapshot) {
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(encodedSnapshot, "encodedSnapshot");
        return producer.send(new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), encodedSnapshot));
    }

    /**
     * Publishes one encoded snapshot under {@code key} and waits until every in-sync replica has it.
     *
     * @return the offset of the written message
     * @throws KafkaException when the write failed after the producer's retries
     * @throws InterruptException when the calling thread was interrupted (its flag is set again)
     */
    public long publish(String key, byte[] encodedSnapshot) {
        try {
            return send(key, encodedSnapshot).get().offset();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            throw cause instanceof KafkaException k ? k
                : new KafkaException("publishing snapshot " + key + " to " + topic + " failed", cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptException(e);
        }
    }

    /**
     * Encodes, signs and publishes a snapshot under the ring key of its manifest's model and version; see
     * {@link #publish(String, byte[])}.
     */
    public long publish(Snapshot snapshot, SnapshotCodec codec) {
        SnapshotManifest m = snapshot.manifest();
        return publish(SnapshotSlots.key(m.model(), m.version(), retain), codec.encode(snapshot));
    }

    public String topic() {
        return topic;
    }

    @Override
    public void close() {
        producer.close();
    }
}
