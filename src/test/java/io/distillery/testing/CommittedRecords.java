package io.distillery.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/** Reads topics in tests: everything committed, until an expected count or a quiet period. */
public final class CommittedRecords {
    private CommittedRecords() {
    }

    /**
     * Reads every committed record of the topics from the beginning, until at least {@code expected}
     * have arrived and then no more for {@code quiet}, or until {@code timeout}.
     */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(String bootstrap, List<String> topics, long expected,
                                                              Duration quiet, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        Map<String, Object> props = Map.of("bootstrap.servers", bootstrap, "group.id", "test-reader-" + System.nanoTime(),
            "auto.offset.reset", "earliest", "isolation.level", "read_committed", "enable.auto.commit", "false",
            "max.partition.fetch.bytes", Integer.toString(16 << 20));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            c.subscribe(topics);
            long deadline = System.nanoTime() + timeout.toNanos();
            long lastNew = System.nanoTime();
            while (System.nanoTime() < deadline) {
                int before = out.size();
                c.poll(Duration.ofMillis(200)).forEach(out::add);
                if (out.size() > before) {
                    lastNew = System.nanoTime();
                }
                if (out.size() >= expected && System.nanoTime() - lastNew > quiet.toNanos()) {
                    break;
                }
            }
        }
        return out;
    }
}
