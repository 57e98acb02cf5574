package io.distillery.testing;

import io.distillery.topics.ClientFactory;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * A {@link ClientFactory} for unit tests of the role loops: it hands out the mock consumers and producers
 * it was given, in the order the loop asks for them, and keeps the properties each was asked with.
 */
public final class FakeClients implements ClientFactory {
    private final Deque<Consumer<byte[], byte[]>> consumers = new ArrayDeque<>();
    private final Deque<Producer<byte[], byte[]>> producers = new ArrayDeque<>();
    private final List<Map<String, Object>> consumerProperties = new ArrayList<>();
    private final List<Map<String, Object>> producerProperties = new ArrayList<>();

    /** Queues a consumer to hand out; returns it. */
    public <C extends Consumer<byte[], byte[]>> C next(C consumer) {
        consumers.add(consumer);
        return consumer;
    }

    /** Queues a producer to hand out; returns it. */
    public <P extends Producer<byte[], byte[]>> P next(P producer) {
        producers.add(producer);
        return producer;
    }

    @Override
    public synchronized Consumer<byte[], byte[]> consumer(Map<String, Object> properties) {
        consumerProperties.add(Map.copyOf(properties));
        if (consumers.isEmpty()) {
            throw new IllegalStateException("no consumer queued for " + properties.get("group.id"));
        }
        return consumers.poll();
    }

    @Override
    public synchronized Producer<byte[], byte[]> producer(Map<String, Object> properties) {
        producerProperties.add(Map.copyOf(properties));
        if (producers.isEmpty()) {
            throw new IllegalStateException("no producer queued");
        }
        return producers.poll();
    }

    public synchronized List<Map<String, Object>> consumerProperties() {
        return List.copyOf(consumerProperties);
    }

    public synchronized List<Map<String, Object>> producerProperties() {
        return List.copyOf(producerProperties);
    }

    /** A producer whose sends complete at once. */
    public static MockProducer<byte[], byte[]> producer() {
        return new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A consumer with the given single-partition topics, each spanning [0, end); waits a little on empty polls. */
    public static PacedConsumer consumerOf(Map<String, Long> topicsAndEnds) {
        PacedConsumer c = new PacedConsumer();
        topicsAndEnds.forEach((topic, end) -> {
            Node node = Node.noNode();
            c.updatePartitions(topic, List.of(new PartitionInfo(topic, 0, node, new Node[0], new Node[0])));
            c.updateBeginningOffsets(Map.of(new TopicPartition(topic, 0), 0L));
            c.updateEndOffsets(Map.of(new TopicPartition(topic, 0), end));
        });
        return c;
    }

    /** A MockConsumer that waits a little on an empty poll, like the real one, instead of spinning. */
    public static final class PacedConsumer extends MockConsumer<byte[], byte[]> {
        public PacedConsumer() {
            super("earliest");
        }

        @Override
        public synchronized ConsumerRecords<byte[], byte[]> poll(Duration timeout) {
            ConsumerRecords<byte[], byte[]> records = super.poll(timeout);
            if (records.isEmpty()) {
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            return records;
        }
    }
}
