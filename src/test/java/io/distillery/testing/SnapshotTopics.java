package io.distillery.testing;

import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.snapshot.SnapshotSlots;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reads snapshot topics and end offsets in tests, without a consumer group. */
public final class SnapshotTopics {
    private SnapshotTopics() {
    }

    /** The end offset of every partition of the topic. */
    public static Map<TopicPartition, Long> endOffsets(String bootstrap, String topic) {
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap)) {
            return c.endOffsets(partitions(c, topic));
        }
    }

    /**
     * The manifest of the newest verified snapshot of {@code model} on the topic (highest version), or
     * {@code null} when there is none; a snapshot that fails verification fails the call.
     */
    public static SnapshotManifest newest(String bootstrap, String topic, String model, SnapshotCodec codec) {
        Message newest = newestMessage(bootstrap, topic, model, codec);
        return newest == null ? null : newest.manifest();
    }

    /** A snapshot message as read from its topic: its manifest and the signed bytes. */
    public record Message(SnapshotManifest manifest, byte[] value) {
    }

    /**
     * The newest verified snapshot of {@code model} on the topic (highest version) with its message's bytes, as
     * {@link #newest} reads it, or {@code null} when there is none.
     */
    public static Message newestMessage(String bootstrap, String topic, String model, SnapshotCodec codec) {
        Message[] newest = new Message[1];
        readAll(bootstrap, topic, r -> {
            if (r.value() != null && model.equals(SnapshotSlots.model(r.key()))) {
                SnapshotManifest m = decode(codec, r);
                if (newest[0] == null || m.version() > newest[0].manifest().version()) {
                    newest[0] = new Message(m, r.value());
                }
            }
        });
        return newest[0];
    }

    /**
     * The versions of the snapshots of {@code model} on the topic that verify with {@code codec}, in the order
     * they were published; messages that do not verify are left out.
     */
    public static List<Long> verifiedVersions(String bootstrap, String topic, String model, SnapshotCodec codec) {
        List<Long> versions = new ArrayList<>();
        readAll(bootstrap, topic, r -> {
            if (r.value() != null && model.equals(SnapshotSlots.model(r.key()))) {
                try {
                    versions.add(codec.decode(r.value()).manifest().version());
                } catch (SnapshotException e) {
                    // not verified: left out
                }
            }
        });
        return versions;
    }

    private static void readAll(String bootstrap, String topic, Consumer<ConsumerRecord<String, byte[]>> each) {
        try (KafkaConsumer<String, byte[]> c = consumer(bootstrap)) {
            List<TopicPartition> parts = partitions(c, topic);
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to " + end + " within 30 s");
                }
                c.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    /**
     * Reads the newest snapshot again and again until it satisfies {@code done} or the timeout passes;
     * returns the last one read (which may not satisfy it), or {@code null} when there was none.
     */
    public static SnapshotManifest await(String bootstrap, String topic, String model, SnapshotCodec codec,
                                         Predicate<SnapshotManifest> done, Duration timeout)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SnapshotManifest m = newest(bootstrap, topic, model, codec);
            if ((m != null && done.test(m)) || System.nanoTime() > deadline) {
                return m;
            }
            Thread.sleep(500);
        }
    }

    private static SnapshotManifest decode(SnapshotCodec codec, ConsumerRecord<String, byte[]> r) {
        try {
            return codec.decode(r.value()).manifest();
        } catch (SnapshotException e) {
            throw new IllegalStateException("snapshot at " + r.topic() + "-" + r.partition() + "@" + r.offset()
                + " does not verify", e);
        }
    }

    private static List<TopicPartition> partitions(KafkaConsumer<String, byte[]> c, String topic) {
        return c.partitionsFor(topic).stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    }

    private static KafkaConsumer<String, byte[]> consumer(String bootstrap) {
        return new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap, "auto.offset.reset", "earliest",
            "enable.auto.commit", "false", "max.partition.fetch.bytes", Integer.toString(16 << 20)),
            new StringDeserializer(), new ByteArrayDeserializer());
    }
}
