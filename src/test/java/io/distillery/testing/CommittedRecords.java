package io.distillery.testing;

import io.distillery.config.DataSettings;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.records.LogitsCodec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
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
        return readAll(Map.of("bootstrap.servers", bootstrap), topics, expected, quiet, timeout);
    }

    /** As {@link #readAll(String, List, long, Duration, Duration)} with other client settings (security). */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(Map<String, ?> client, List<String> topics, long expected,
                                                              Duration quiet, Duration timeout) {
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        Map<String, Object> props = new HashMap<>(client);
        props.putAll(Map.of("group.id", "test-reader-" + System.nanoTime(),
            "auto.offset.reset", "earliest", "isolation.level", "read_committed", "enable.auto.commit", "false",
            "max.partition.fetch.bytes", Integer.toString(16 << 20)));
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

    /**
     * The ids of the valid records on the two input topics as the emitter judges them (a record on the
     * labeled topic must carry its label), read until at least {@code atLeast} records and a quiet second.
     */
    public static Set<String> validInputIds(Map<String, ?> client, DataSettings data, long atLeast) {
        InputCodec codec = new InputCodec(data);
        return readAll(client, List.of("distill.records.labeled", "distill.records.unlabeled"), atLeast,
            Duration.ofSeconds(3), Duration.ofMinutes(1)).stream().map(r -> {
                Decoded d = codec.decode(r.value());
                boolean ok = d.valid() && (d.record().labeled() || !r.topic().equals("distill.records.labeled"));
                return ok ? d.record().id() : null;
            }).filter(Objects::nonNull).collect(Collectors.toSet());
    }

    /** How many committed logits each record id has on {@code distill.teacher.logits}. */
    public static Map<String, Long> logitsPerId(Map<String, ?> client, long expected, Duration timeout) {
        return readAll(client, List.of("distill.teacher.logits"), expected, Duration.ofSeconds(3), timeout).stream()
            .map(r -> LogitsCodec.decode(r.value()).id())
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
    }
}
