package io.distillery.snapshot;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.metrics.RoleMetrics;
import io.distillery.service.LoopOwner;
import io.distillery.service.ServiceLoop;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.MeteredClients;
import io.distillery.topics.TopicFollower;
import io.distillery.topics.TopicSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a compacted snapshot topic and hands each snapshot, as raw bytes, to a {@link Listener}.
 *
 * <p>It reads every partition from the beginning ({@link TopicFollower}): first it catches up to the end
 * offsets seen at start, keeping only the newest message per key (a model has one key per retained version,
 * {@link SnapshotSlots}), and delivers those; then, from each poll, the newest new message of each key.
 * Either way, the messages of one model go newest first, and the first one the listener settles (takes
 * into use or holds) ends that model's delivery: older ones are superseded, not verified in vain, and a
 * newest one that fails verification leaves the next older one to be tried. Tombstones (null values) are
 * skipped; a listener exception is logged and counts as not settled.
 *
 * <p>Threading: the listener is called on the follower's thread and must not block for long.
 */
public final class SnapshotFollower implements LoopOwner {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotFollower.class);

    /** Receives snapshot messages on the follower thread. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param key the message key ({@code model/slot}, or the bare model name of older releases)
         * @param value the encoded snapshot, not yet verified
         * @param offset the message's offset in its partition
         * @return whether this snapshot settled its model (verified, in use or held); false lets the
         *     follower offer the model's next older snapshot of the same batch
         */
        boolean onSnapshot(String key, byte[] value, long offset);
    }

    private static final Comparator<ConsumerRecord<byte[], byte[]>> OLDEST_FIRST =
        Comparator.<ConsumerRecord<byte[], byte[]>>comparingLong(ConsumerRecord::timestamp)
            .thenComparingLong(ConsumerRecord::offset);

    private final TopicFollower follower;
    private final Listener listener;
    private final Map<String, ConsumerRecord<byte[], byte[]>> atStart = new LinkedHashMap<>();
    private boolean delivering;

    /** A follower over the given consumer (a {@code MockConsumer} in tests); it closes the consumer. */
    public SnapshotFollower(Consumer<byte[], byte[]> consumer, String topic, Listener listener) {
        this(consumer, null, topic, listener, ServiceLoop.DEFAULT_STUCK_AFTER);
    }

    private SnapshotFollower(Consumer<byte[], byte[]> consumer, AutoCloseable resources, String topic,
                             Listener listener, Duration stuckAfter) {
        this.listener = listener;
        this.follower = new TopicFollower("snapshot-follower-" + topic, consumer, resources, topic,
            TopicFollower.StartAt.beginning(), this::onRecords, stuckAfter, Clock.systemUTC());
    }

    /**
     * A follower of {@code topic} configured from {@code kafka.*} keys and the snapshot size limit, with
     * its consumer's Kafka client metrics in {@code metrics}, tagged {@code role}.
     */
    public static SnapshotFollower create(Config config, ClientFactory clients, TopicSpec topic, Listener listener,
                                          RoleMetrics metrics, String role) {
        CommonSettings common = CommonSettings.from(config);
        MeteredClients metered = new MeteredClients(clients, metrics, role);
        Consumer<byte[], byte[]> consumer = metered.consumer(KafkaClients.followerConsumer(config,
            consumerDefaults(common.snapshotMaxBytes())));
        return new SnapshotFollower(consumer, metered, topic.name(), listener, common.stuckAfter());
    }

    /** As {@link #create(Config, ClientFactory, TopicSpec, Listener, RoleMetrics, String)} with real clients. */
    public static SnapshotFollower create(Config config, TopicSpec topic, Listener listener, RoleMetrics metrics,
                                          String role) {
        return create(config, ClientFactory.KAFKA, topic, listener, metrics, role);
    }

    /**
     * Fetch limits that let a snapshot of {@code maxSnapshotBytes} through; snapshots are few, polls small. The
     * socket's receive buffer is the kernel's (autotuned) rather than Kafka's fixed 64 KiB: a snapshot of about
     * a megabyte then arrives in fewer reads, measured about a tenth less CPU on the consumer's thread per
     * snapshot (bench/run SnapshotTransportCost, docs/serving-benchmark.md).
     */
    public static Map<String, Object> consumerDefaults(int maxSnapshotBytes) {
        return Map.of(
            ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxSnapshotBytes + 64 * 1024,
            ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(52_428_800, 2 * maxSnapshotBytes),
            ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 16,
            ConsumerConfig.RECEIVE_BUFFER_CONFIG, -1);
    }

    public void start() {
        follower.start();
    }

    /** Waits until the newest snapshot of every key present at start has been delivered. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return follower.awaitCaughtUp(timeout);
    }

    /** Whether the start-up catch-up is done. */
    public boolean isCaughtUp() {
        return follower.isCaughtUp();
    }

    @Override
    public ServiceLoop loop() {
        return follower;
    }

    private void onRecords(List<ConsumerRecord<byte[], byte[]>> records, boolean caughtUp) {
        if (delivering) {
            // snapshots that queued up while the listener was busy are superseded by the newest of their key
            deliver(newestPerKey(records, new LinkedHashMap<>()));
            return;
        }
        List<ConsumerRecord<byte[], byte[]>> ordered = newestPerKey(records, atStart);
        if (caughtUp) {
            LOG.info("snapshot follower of {} caught up: {} snapshot(s)", follower.topic(), ordered.size());
            delivering = true;
            atStart.clear();
            deliver(ordered);
        }
    }

    /** Folds records into the newest per key (a tombstone removes its key); answers them oldest first. */
    static List<ConsumerRecord<byte[], byte[]>> newestPerKey(List<ConsumerRecord<byte[], byte[]>> records,
                                                            Map<String, ConsumerRecord<byte[], byte[]>> newest) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            if (r.value() == null) {
                newest.remove(key(r));
            } else {
                newest.put(key(r), r);
            }
        }
        List<ConsumerRecord<byte[], byte[]>> ordered = new ArrayList<>(newest.values());
        ordered.sort(OLDEST_FIRST);
        return ordered;
    }

    /**
     * Groups messages (oldest first) by model, in the order of each model's newest message, each group
     * newest first: the order in which {@link #deliver} offers them.
     */
    static Collection<List<ConsumerRecord<byte[], byte[]>>> newestFirstPerModel(
            List<ConsumerRecord<byte[], byte[]>> oldestFirst) {
        Map<String, List<ConsumerRecord<byte[], byte[]>>> perModel = new LinkedHashMap<>();
        for (int i = oldestFirst.size() - 1; i >= 0; i--) {
            ConsumerRecord<byte[], byte[]> r = oldestFirst.get(i);
            perModel.computeIfAbsent(SnapshotSlots.model(key(r)), m -> new ArrayList<>()).add(r);
        }
        List<List<ConsumerRecord<byte[], byte[]>>> groups = new ArrayList<>(perModel.values());
        Collections.reverse(groups);
        return groups;
    }

    private static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
    }

    private void deliver(List<ConsumerRecord<byte[], byte[]>> oldestFirst) {
        for (List<ConsumerRecord<byte[], byte[]>> model : newestFirstPerModel(oldestFirst)) {
            for (ConsumerRecord<byte[], byte[]> r : model) {
                if (settles(r)) {
                    break;
                }
            }
        }
    }

    private boolean settles(ConsumerRecord<byte[], byte[]> r) {
        try {
            return listener.onSnapshot(key(r), r.value(), r.offset());
        } catch (RuntimeException e) {
            LOG.error("snapshot listener failed on {} offset {}", key(r), r.offset(), e);
            return false;
        }
    }
}
