package io.distillery.snapshot;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.testing.FakeClients.PacedConsumer;
import io.distillery.topics.KafkaClients;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class SnapshotFollowerTest {
    private static final String TOPIC = "distill.student.snapshots";
    private static final TopicPartition TP = new TopicPartition(TOPIC, 0);

    private record Delivery(String key, String value, long offset) {
    }

    private final PacedConsumer consumer = new PacedConsumer();
    private final List<Delivery> delivered = new CopyOnWriteArrayList<>();
    private final SnapshotFollower follower = new SnapshotFollower(consumer, TOPIC,
        (key, value, offset) -> delivered.add(new Delivery(key, new String(value, StandardCharsets.UTF_8), offset)));

    @AfterEach
    void close() {
        follower.close();
    }

    private void topicWith(long endOffset) {
        Node node = new Node(0, "localhost", 9092);
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[] {node},
            new Node[] {node})));
        consumer.updateBeginningOffsets(Map.of(TP, 0L));
        consumer.updateEndOffsets(Map.of(TP, endOffset));
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, String key, String value) {
        return new ConsumerRecord<>(TOPIC, 0, offset, key.getBytes(StandardCharsets.UTF_8),
            value == null ? null : value.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDeliverOnlyTheNewestSnapshotPerKeyAtStartUp() throws Exception {
        topicWith(4);
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(0, "student", "s1"));
            consumer.addRecord(record(1, "teacher", "t1"));
            consumer.addRecord(record(2, "student", "s2"));
            consumer.addRecord(record(3, "teacher", null));
        });
        follower.start();

        assertThat(follower.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();
        assertThat(delivered).containsExactly(new Delivery("student", "s2", 2));
    }

    @Test
    void shouldDeliverEachPollsNewestSnapshotAfterCatchUp() throws Exception {
        topicWith(1);
        consumer.schedulePollTask(() -> consumer.addRecord(record(0, "student", "s1")));
        follower.start();
        assertThat(follower.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();

        consumer.schedulePollTask(() -> consumer.addRecord(record(1, "student", "s2")));
        awaitSize(2);
        // two that queued up together: the older one is superseded, never delivered
        consumer.schedulePollTask(() -> {
            consumer.addRecord(record(2, "student", "s3"));
            consumer.addRecord(record(3, "student", "s4"));
        });

        awaitSize(3);
        assertThat(delivered).extracting(Delivery::value).containsExactly("s1", "s2", "s4");
    }

    @Test
    void shouldOfferEachModelsRetainedVersionsNewestFirstUntilOneSettles() throws Exception {
        List<String> offered = new CopyOnWriteArrayList<>();
        PacedConsumer c = new PacedConsumer();
        // the listener refuses s5 and s4 (say, signed with a key no longer trusted) and settles with s3
        try (SnapshotFollower f = new SnapshotFollower(c, TOPIC, (k, v, o) -> {
            String value = new String(v, StandardCharsets.UTF_8);
            offered.add(value);
            return !value.equals("s5") && !value.equals("s4");
        })) {
            topicOf(c, 7);
            c.schedulePollTask(() -> {
                c.addRecord(record(0, "student", "s1"));
                c.addRecord(record(1, "student/2", "s2"));
                c.addRecord(record(2, "student/3", "s3"));
                c.addRecord(record(3, "teacher/1", "t1"));
                c.addRecord(record(4, "student/4", "s4"));
                c.addRecord(record(5, "student/0", "s5"));
                c.addRecord(record(6, "teacher/2", "t2"));
            });
            f.start();

            assertThat(f.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();
            assertThat(offered).containsExactly("s5", "s4", "s3", "t2");
        }
    }

    @Test
    void shouldOfferTheOlderSnapshotOfAPollWhenTheNewestIsRefused() throws Exception {
        List<String> offered = new CopyOnWriteArrayList<>();
        PacedConsumer c = new PacedConsumer();
        try (SnapshotFollower f = new SnapshotFollower(c, TOPIC, (k, v, o) -> {
            String value = new String(v, StandardCharsets.UTF_8);
            offered.add(value);
            return !value.equals("bad");
        })) {
            topicOf(c, 0);
            f.start();
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();
            c.schedulePollTask(() -> {
                c.addRecord(record(0, "student/1", "s1"));
                c.addRecord(record(1, "student/2", "s2"));
                c.addRecord(record(2, "student/3", "bad"));
            });
            c.schedulePollTask(() -> c.addRecord(record(3, "teacher/1", "t1")));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (!offered.contains("t1") && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(offered).as("s1 is superseded by s2").containsExactly("bad", "s2", "t1");
        }
    }

    private static void topicOf(PacedConsumer c, long endOffset) {
        Node node = new Node(0, "localhost", 9092);
        c.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[] {node}, new Node[] {node})));
        c.updateBeginningOffsets(Map.of(TP, 0L));
        c.updateEndOffsets(Map.of(TP, endOffset));
    }

    @Test
    void shouldWaitForATopicThatDoesNotExistYet() throws Exception {
        follower.start();
        assertThat(follower.awaitCaughtUp(Duration.ofMillis(300))).isFalse();

        topicWith(0);

        assertThat(follower.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();
        assertThat(follower.failure()).isNull();
    }

    @Test
    void shouldKeepDeliveringAfterTheListenerThrows() throws Exception {
        List<String> seen = new CopyOnWriteArrayList<>();
        PacedConsumer c = new PacedConsumer();
        try (SnapshotFollower f = new SnapshotFollower(c, TOPIC, (k, v, o) -> {
            seen.add(new String(v, StandardCharsets.UTF_8));
            throw new IllegalStateException("boom");
        })) {
            Node node = new Node(0, "localhost", 9092);
            c.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, node, new Node[] {node}, new Node[] {node})));
            c.updateBeginningOffsets(Map.of(TP, 0L));
            c.updateEndOffsets(Map.of(TP, 0L));
            f.start();
            assertThat(f.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();
            c.schedulePollTask(() -> c.addRecord(record(0, "student", "a")));
            c.schedulePollTask(() -> c.addRecord(record(1, "student", "b")));
            long deadline = System.nanoTime() + 5_000_000_000L;
            while (seen.size() < 2 && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(seen).containsExactly("a", "b");
            assertThat(f.failure()).isNull();
        }
    }

    @Test
    void shouldRaiseFetchLimitsAndDropAnyGroupId() {
        Config config = Config.of(Map.of("kafka.bootstrap.servers", "b:9092", "kafka.group.id", "g",
            "kafka.security.protocol", "SSL"));
        Map<String, Object> props = KafkaClients.followerConsumer(config, SnapshotFollower.consumerDefaults(32 << 20));

        assertThat((int) props.get(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG)).isGreaterThan(32 << 20);
        assertThat((int) props.get(ConsumerConfig.FETCH_MAX_BYTES_CONFIG)).isGreaterThan(32 << 20);
        assertThat(props).containsEntry("security.protocol", "SSL").containsEntry("bootstrap.servers", "b:9092")
            .containsEntry(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, "false")
            .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
            .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
    }

    @Test
    void shouldLeaveTheReceiveBufferToTheKernelUnlessTheUserSetsIt() {
        Config config = Config.of(Map.of("kafka.bootstrap.servers", "b:9092"));
        assertThat(KafkaClients.followerConsumer(config, SnapshotFollower.consumerDefaults(32 << 20)))
            .containsEntry(ConsumerConfig.RECEIVE_BUFFER_CONFIG, -1);

        Config tuned = Config.of(Map.of("kafka.bootstrap.servers", "b:9092", "kafka.receive.buffer.bytes", "262144"));
        assertThat(KafkaClients.followerConsumer(tuned, SnapshotFollower.consumerDefaults(32 << 20)))
            .containsEntry(ConsumerConfig.RECEIVE_BUFFER_CONFIG, "262144");
    }

    private void awaitSize(int n) throws InterruptedException {
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (delivered.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }
}
