package io.distillery.bench;

import io.distillery.config.Config;
import io.distillery.topics.KafkaClients;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads every committed message of a topic once, from the beginning to the end it has now. */
final class TopicReader {
    private TopicReader() {
    }

    static void readAll(Config config, String topic, Consumer<byte[]> values) {
        Map<String, Object> props = KafkaClients.consumer(config, Map.of("isolation.level", "read_committed"));
        props.remove("group.id");
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> parts = consumer.partitionsFor(topic).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(parts);
            consumer.seekToBeginning(parts);
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
            while (parts.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end within 2 minutes");
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() != null) {
                        values.accept(r.value());
                    }
                }
            }
        }
    }

    /** The input position in a synthetic record id {@code syn-<seed>-<position>}. */
    static long position(String recordId) {
        return Long.parseLong(recordId.substring(recordId.lastIndexOf('-') + 1));
    }
}
