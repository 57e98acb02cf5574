package io.distillery.app;

import io.distillery.config.Config;
import io.distillery.records.DeadLetters;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.Heartbeat;
import io.distillery.records.HeartbeatCodec;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.spec.Models;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * Reads the pipeline's state from its topics alone (no role has to be reachable): the newest snapshot
 * of each model, the heartbeats on {@code distill.instances}, the newest feedback window and drift
 * report, the dead letters of the last hour and each consumer group's lag. Every read is bounded in
 * records and time. Not thread-safe: one reader per command.
 */
final class StatusReader implements AutoCloseable {
    /** Feedback messages read back from the end to find the newest window and drift report. */
    static final int FEEDBACK_TAIL = 500;
    /** Dead letters counted at most per read. */
    static final long MAX_DEAD_LETTERS = 1_000_000;
    private static final Duration TIMEOUT = Duration.ofSeconds(15);
    private static final long HOUR_MS = 3_600_000;
    /**
     * How long the broker may hold the reader's fetches for more data. The consumer fetches ahead after each poll, and
     * the broker answers a connection's requests in order, so every offset or metadata query of the next topic waited
     * out that held fetch: Kafka's default of 500 ms made each of the nine reads take about half a second.
     */
    static final int FETCH_MAX_WAIT_MS = 20;

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final Admin admin;

    StatusReader(Config config) {
        this.consumer = new KafkaConsumer<>(consumerProperties(config), new ByteArrayDeserializer(),
            new ByteArrayDeserializer());
        this.admin = Admin.create(KafkaClients.admin(config));
    }

    /** The reader's consumer: a follower's, with fetches held {@link #FETCH_MAX_WAIT_MS} unless {@code kafka.*} says. */
    static Map<String, Object> consumerProperties(Config config) {
        return KafkaClients.followerConsumer(config, Map.of("fetch.max.wait.ms", FETCH_MAX_WAIT_MS));
    }

    /** Reads the state as of {@code nowMs}, with heartbeats back to {@code historyMs} before it. */
    PipelineStatus.Observed read(long nowMs, long historyMs) throws InterruptedException {
        Map<String, PipelineStatus.Seen<PipelineStatus.Published>> snapshots = new LinkedHashMap<>();
        snapshot(Topics.TEACHER_SNAPSHOTS, Models.TEACHER, snapshots);
        snapshot(Topics.STUDENT_SNAPSHOTS, Models.STUDENT, snapshots);
        // after the snapshots: a writer publishes a version's checkpoint first, so none read here is older than it
        Map<String, PipelineStatus.Seen<PipelineStatus.Published>> checkpoints = new LinkedHashMap<>();
        snapshot(Topics.TEACHER_CHECKPOINTS, Models.TEACHER, checkpoints);
        snapshot(Topics.STUDENT_CHECKPOINTS, Models.STUDENT, checkpoints);
        Map<String, List<Heartbeat>> heartbeats = new TreeMap<>();
        readSince(Topics.INSTANCES, nowMs - historyMs, Long.MAX_VALUE, r -> heartbeat(r, heartbeats));
        List<PipelineStatus.Seen<FeedbackMessage>> window = new ArrayList<>();
        List<PipelineStatus.Seen<FeedbackMessage>> drift = new ArrayList<>();
        readTail(Topics.FEEDBACK, FEEDBACK_TAIL, r -> feedback(r, window, drift));
        Map<String, Long> dead = new TreeMap<>();
        boolean complete = readSince(Topics.DEADLETTER, nowMs - HOUR_MS, MAX_DEAD_LETTERS, r -> {
            Header h = r.headers().lastHeader(DeadLetters.REASON);
            dead.merge(h == null ? "unknown" : new String(h.value(), StandardCharsets.UTF_8), 1L, Long::sum);
        });
        return new PipelineStatus.Observed(nowMs, snapshots, checkpoints, heartbeats, groupLag(), last(window),
            last(drift), dead, complete);
    }

    private void snapshot(TopicSpec topic, String model,
                          Map<String, PipelineStatus.Seen<PipelineStatus.Published>> into) throws InterruptedException {
        readTail(topic, 2, r -> {
            try {
                into.put(model, new PipelineStatus.Seen<>(new PipelineStatus.Published(
                    SnapshotCodec.unverifiedManifest(r.value()).version(), SnapshotCodec.formatOf(r.value())),
                    r.timestamp()));
            } catch (SnapshotException e) {
                // an unreadable message is not the newest snapshot; the one before it stays
            }
        });
    }

    private static void heartbeat(ConsumerRecord<byte[], byte[]> r, Map<String, List<Heartbeat>> into) {
        String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
        if (r.value() == null) {
            into.remove(key);
            return;
        }
        try {
            Heartbeat h = HeartbeatCodec.decode(r.value());
            into.computeIfAbsent(h.key(), k -> new ArrayList<>()).add(h);
        } catch (IllegalArgumentException e) {
            // not a heartbeat: nothing to report for it
        }
    }

    private static void feedback(ConsumerRecord<byte[], byte[]> r, List<PipelineStatus.Seen<FeedbackMessage>> window,
                                 List<PipelineStatus.Seen<FeedbackMessage>> drift) {
        try {
            FeedbackMessage m = FeedbackCodec.decode(r.value());
            (m.isWindow() ? window : drift).add(new PipelineStatus.Seen<>(m, r.timestamp()));
        } catch (RuntimeException e) {
            // a message the monitor did not write is not feedback
        }
    }

    private static <T> PipelineStatus.Seen<T> last(List<PipelineStatus.Seen<T>> seen) {
        return seen.stream().max((a, b) -> Long.compare(a.timeMs(), b.timeMs())).orElse(null);
    }

    /** Consumer lag of every group that commits offsets of the pipeline's topics, summed over partitions. */
    private Map<String, Long> groupLag() throws InterruptedException {
        Map<String, Long> lag = new TreeMap<>();
        for (ConsumerGroupListing g : get(admin.listConsumerGroups().all())) {
            Map<TopicPartition, OffsetAndMetadata> committed = new HashMap<>(
                get(admin.listConsumerGroupOffsets(g.groupId()).partitionsToOffsetAndMetadata()));
            committed.keySet().removeIf(tp -> !tp.topic().startsWith("distill."));
            committed.values().removeIf(Objects::isNull);
            if (committed.isEmpty()) {
                continue;
            }
            consumer.assign(committed.keySet()); // see assigned(): no warning per partition
            Map<TopicPartition, Long> ends = consumer.endOffsets(committed.keySet(), TIMEOUT);
            long sum = 0;
            for (var e : committed.entrySet()) {
                sum += Math.max(0, ends.getOrDefault(e.getKey(), 0L) - e.getValue().offset());
            }
            lag.put(g.groupId(), sum);
        }
        return lag;
    }

    /** Reads the last {@code n} offsets of each partition of a topic (transaction markers take some). */
    private void readTail(TopicSpec topic, int n, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        List<TopicPartition> parts = assigned(topic);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(parts, TIMEOUT);
        Map<TopicPartition, Long> from = new HashMap<>();
        for (TopicPartition tp : parts) {
            from.put(tp, begin.get(tp));
        }
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts, TIMEOUT);
        ends.forEach((tp, end) -> from.put(tp, Math.max(from.get(tp), end - n)));
        read(from, ends, Long.MAX_VALUE, each);
    }

    /** Reads every record written since {@code fromMs}; false when {@code max} records were read first. */
    private boolean readSince(TopicSpec topic, long fromMs, long max, Consumer<ConsumerRecord<byte[], byte[]>> each) {
        List<TopicPartition> parts = assigned(topic);
        Map<TopicPartition, Long> query = new HashMap<>();
        parts.forEach(tp -> query.put(tp, fromMs));
        Map<TopicPartition, OffsetAndTimestamp> found = consumer.offsetsForTimes(query, TIMEOUT);
        Map<TopicPartition, Long> ends = consumer.endOffsets(parts, TIMEOUT);
        Map<TopicPartition, Long> from = new HashMap<>();
        found.forEach((tp, at) -> from.put(tp, at == null ? ends.get(tp) : at.offset()));
        return read(from, ends, max, each);
    }

    /**
     * The topic's partitions, assigned to the consumer before their offsets are asked for: a read-committed consumer
     * asked for the beginning or end offsets of partitions it is not assigned logs a warning per partition ("Not
     * updating last stable offset"), which the status would print.
     */
    private List<TopicPartition> assigned(TopicSpec topic) {
        List<TopicPartition> parts = KafkaClients.partitions(consumer, topic.name());
        consumer.assign(parts);
        return parts;
    }

    private boolean read(Map<TopicPartition, Long> from, Map<TopicPartition, Long> ends, long max,
                         Consumer<ConsumerRecord<byte[], byte[]>> each) {
        List<TopicPartition> todo = new ArrayList<>(from.keySet());
        todo.removeIf(tp -> from.get(tp) >= ends.get(tp));
        consumer.assign(todo);
        todo.forEach(tp -> consumer.seek(tp, from.get(tp)));
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long count = 0;
        while (!todo.isEmpty() && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() < ends.get(tp)) {
                    each.accept(r);
                    if (++count >= max) {
                        return false;
                    }
                }
            }
            todo.removeIf(tp -> consumer.position(tp) >= ends.get(tp));
            consumer.assign(todo);
        }
        return todo.isEmpty();
    }

    private static <T> T get(KafkaFuture<T> future) throws InterruptedException {
        try {
            return future.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot read the consumer groups: " + e.getCause(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("the broker did not answer within " + TIMEOUT.toSeconds() + " s", e);
        }
    }

    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
        admin.close(Duration.ofSeconds(5));
    }
}
