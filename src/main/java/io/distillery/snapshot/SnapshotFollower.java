package io.distillery.snapshot;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.metrics.KafkaClientMeters;
import io.distillery.metrics.RoleMetrics;
import io.distillery.topics.TopicSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows a compacted snapshot topic on its own thread and hands each snapshot, as raw bytes, to a
 * {@link Listener}.
 *
 * <p>It reads every partition from the beginning, without a consumer group (nothing is committed):
 * first it catches up to the end offsets seen at start, keeping only the newest message per key, and
 * delivers those, oldest first; then, from each poll, the newest new message of each key (older ones that
 * queued up behind a slow listener are superseded, not verified in vain). Tombstones (null
 * values) are skipped. A topic that does not exist yet is waited for.
 *
 * <p>Threading: {@link #start()} starts one daemon thread, which owns the consumer and calls the
 * listener; the listener must not block for long. {@link #close()} may be called from any thread.
 * Errors: retriable Kafka errors (broker down or restarting) are retried with a backoff, forever; a
 * listener exception is logged and the next message is delivered; any other Kafka error is logged once
 * and stops the thread ({@link #failure()} returns it).
 */
public final class SnapshotFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SnapshotFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final long BACKOFF_MS = 500;

    /** Receives snapshot messages on the follower thread. */
    @FunctionalInterface
    public interface Listener {
        /**
         * @param key the message key (the model name)
         * @param value the encoded snapshot, not yet verified
         * @param offset the message's offset in its partition
         */
        void onSnapshot(String key, byte[] value, long offset);
    }

    private final Consumer<String, byte[]> consumer;
    private final AutoCloseable clientMeters;
    private final String topic;
    private final Listener listener;
    private final Thread thread;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private volatile boolean closed;
    private volatile Throwable failure;

    /** A follower over the given consumer (a {@code MockConsumer} in tests); it closes the consumer. */
    public SnapshotFollower(Consumer<String, byte[]> consumer, String topic, Listener listener) {
        this(consumer, topic, listener, () -> { });
    }

    private SnapshotFollower(Consumer<String, byte[]> consumer, String topic, Listener listener,
                             AutoCloseable clientMeters) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.clientMeters = clientMeters;
        this.topic = Objects.requireNonNull(topic, "topic");
        this.listener = Objects.requireNonNull(listener, "listener");
        this.thread = new Thread(this::run, "snapshot-follower-" + topic);
        thread.setDaemon(true);
    }

    /**
     * A follower of {@code topic} configured from {@code kafka.*} keys and the snapshot size limit, with
     * its consumer's Kafka client metrics in {@code metrics}, tagged {@code role}.
     */
    public static SnapshotFollower create(Config config, TopicSpec topic, Listener listener, RoleMetrics metrics,
                                          String role) {
        int maxBytes = CommonSettings.from(config).snapshotMaxBytes();
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(consumerConfig(config.kafkaProperties(),
            maxBytes), new StringDeserializer(), new ByteArrayDeserializer());
        return new SnapshotFollower(consumer, topic.name(), listener, KafkaClientMeters.bind(metrics, role, consumer));
    }

    /** The consumer settings: our defaults, then the pass-through {@code kafka.*} settings on top. */
    public static Map<String, Object> consumerConfig(Map<String, Object> kafkaProperties, int maxSnapshotBytes) {
        Map<String, Object> p = new HashMap<>();
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // a follower that starts first must not create the topic uncompacted
        p.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        p.put(ConsumerConfig.MAX_PARTITION_FETCH_BYTES_CONFIG, maxSnapshotBytes + 64 * 1024);
        p.put(ConsumerConfig.FETCH_MAX_BYTES_CONFIG, Math.max(52_428_800, 2 * maxSnapshotBytes));
        // snapshots are big and rare: a few per poll is plenty
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 16);
        p.putAll(kafkaProperties);
        // assign() without a group: nothing to join or commit, every start reads from the beginning
        p.remove(ConsumerConfig.GROUP_ID_CONFIG);
        p.remove(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG);
        p.remove(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG);
        return p;
    }

    public void start() {
        thread.start();
    }

    /** Waits until the newest snapshot of every key present at start has been delivered. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the start-up catch-up is done. */
    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    /** The non-retriable error that stopped the thread, or {@code null}. */
    public Throwable failure() {
        return failure;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = retrying(this::partitions);
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = retrying(() -> consumer.endOffsets(partitions));
            catchUp(partitions, end);
            caughtUp.countDown();
            while (!closed) {
                // Snapshots that queued up while the listener was busy are superseded by the newest of
                // their key: verifying each in turn would only delay the one that matters.
                newestPerKey(retrying(this::poll), new LinkedHashMap<>()).forEach(this::deliver);
            }
        } catch (WakeupException e) {
            if (!closed) {
                failure = e;
            }
        } catch (RuntimeException e) {
            failure = e;
            LOG.error("snapshot follower of {} stopped", topic, e);
        } finally {
            closeConsumer();
        }
    }

    private void catchUp(List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        Map<String, ConsumerRecord<String, byte[]>> newest = new LinkedHashMap<>();
        List<ConsumerRecord<String, byte[]>> ordered = List.of();
        while (!closed && !reached(partitions, end)) {
            ordered = newestPerKey(retrying(this::poll), newest);
        }
        LOG.info("snapshot follower of {} caught up: {} model(s)", topic, ordered.size());
        ordered.forEach(this::deliver);
    }

    /** Folds records into the newest per key (a tombstone removes its key); answers them oldest first. */
    static List<ConsumerRecord<String, byte[]>> newestPerKey(List<ConsumerRecord<String, byte[]>> records,
                                                            Map<String, ConsumerRecord<String, byte[]>> newest) {
        for (ConsumerRecord<String, byte[]> r : records) {
            if (r.value() == null) {
                newest.remove(r.key());
            } else {
                newest.put(r.key(), r);
            }
        }
        List<ConsumerRecord<String, byte[]>> ordered = new ArrayList<>(newest.values());
        ordered.sort(Comparator.comparingLong(ConsumerRecord::timestamp));
        return ordered;
    }

    private boolean reached(List<TopicPartition> partitions, Map<TopicPartition, Long> end) {
        for (TopicPartition tp : partitions) {
            if (retrying(() -> consumer.position(tp)) < end.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    private List<TopicPartition> partitions() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new TopicMissing();
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    private List<ConsumerRecord<String, byte[]>> poll() {
        List<ConsumerRecord<String, byte[]>> out = new ArrayList<>();
        consumer.poll(POLL).forEach(out::add);
        return out;
    }

    private void deliver(ConsumerRecord<String, byte[]> r) {
        if (r.value() == null) {
            return;
        }
        try {
            listener.onSnapshot(r.key(), r.value(), r.offset());
        } catch (RuntimeException e) {
            LOG.error("snapshot listener failed on {} offset {}", r.key(), r.offset(), e);
        }
    }

    /** Runs the call until it succeeds, backing off on retriable errors (broker down, topic missing). */
    private <T> T retrying(Supplier<T> call) {
        int attempt = 0;
        while (true) {
            try {
                return call.get();
            } catch (RetriableException | TopicMissing e) {
                if (closed) {
                    throw new WakeupException();
                }
                if (attempt++ % 20 == 0) {
                    LOG.warn("snapshot follower of {}: {}, retrying", topic, e.toString());
                }
                sleep();
            }
        }
    }

    private void sleep() {
        try {
            Thread.sleep(BACKOFF_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WakeupException();
        }
    }

    /** Stops the thread and closes the consumer; waits up to 10 s for it. */
    @Override
    public void close() {
        closed = true;
        consumer.wakeup();
        if (thread.isAlive() && thread != Thread.currentThread()) {
            try {
                thread.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            closeConsumer();
        }
    }

    private void closeConsumer() {
        try {
            clientMeters.close();
        } catch (Exception e) {
            LOG.warn("cannot close the client metrics of the follower of {}", topic, e);
        }
        consumer.close();
    }

    private static final class TopicMissing extends RuntimeException {
        TopicMissing() {
            super("topic does not exist yet", null, false, false);
        }
    }
}
