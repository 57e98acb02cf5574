package io.distillery.bench;

import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * What the emitter wrote to the logits topic in a run: records, mean value bytes per record, and its rate
 * from the first record's timestamp to the last (the emitter's own pace when its input was all there).
 */
record LogitsTopicStats(long records, double bytesPerRecord, double recordsPerSecond) {

    static LogitsTopicStats read(BenchRun run) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.consumer(run.config, Map.of()))) {
            List<TopicPartition> parts = c.partitionsFor(Topics.TEACHER_LOGITS.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long n = 0;
            long bytes = 0;
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    n++;
                    bytes += r.value() == null ? 0 : r.value().length;
                    first = Math.min(first, r.timestamp());
                    last = Math.max(last, r.timestamp());
                }
            }
            double seconds = Math.max(1, last - first) / 1000.0;
            return new LogitsTopicStats(n, n == 0 ? 0 : (double) bytes / n, n / seconds);
        }
    }
}
