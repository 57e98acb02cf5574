package io.distillery.topics;

import io.distillery.service.ServiceLoop;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads every partition of one topic without a consumer group (nothing is committed; each start reads
 * from {@link StartAt}), on a {@link ServiceLoop} of its own, and hands each poll's records to a
 * {@link Handler}: the one core of the snapshot and feedback followers.
 *
 * <p>A topic that does not exist yet, and a broker that is away, are retried with the loop's backoff. It
 * knows when it has <em>caught up</em>: read every partition up to the end offsets it saw at start.
 *
 * <p>Threading: the consumer and the handler are used on the loop's thread only; the consumer is closed
 * with the loop.
 */
public final class TopicFollower extends ServiceLoop {
    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);

    /** Where reading starts in a partition. */
    @FunctionalInterface
    public interface StartAt {
        /** The first offset to read of a partition whose log spans {@code [beginning, end)}. */
        long offset(long beginning, long end);

        /** From the oldest message kept. */
        static StartAt beginning() {
            return (beginning, end) -> beginning;
        }

        /** From the last {@code n} messages of each partition (all of them when there are fewer). */
        static StartAt lastMessages(int n) {
            return (beginning, end) -> Math.max(beginning, end - n);
        }
    }

    /** Receives the records, on the follower's thread; it should not throw (what it throws is logged). */
    @FunctionalInterface
    public interface Handler {
        /**
         * @param records one poll's records, possibly none, in partition order
         * @param caughtUp whether every partition has been read up to the end offsets seen at start (before
         *     this poll); true from then on
         */
        void onRecords(List<ConsumerRecord<byte[], byte[]>> records, boolean caughtUp);
    }

    private final Consumer<byte[], byte[]> consumer;
    private final AutoCloseable resources;
    private final String topic;
    private final StartAt startAt;
    private final Handler handler;
    private final CountDownLatch caughtUp = new CountDownLatch(1);
    private List<TopicPartition> partitions;
    private Map<TopicPartition, Long> endAtStart;

    /**
     * @param name the loop's name (thread and {@code /health})
     * @param consumer a consumer without a group id (see {@link KafkaClients#followerConsumer})
     * @param resources closed when the follower ends: the consumer and its metrics ({@link MeteredClients}),
     *     or {@code null} to close just the consumer
     */
    public TopicFollower(String name, Consumer<byte[], byte[]> consumer, AutoCloseable resources, String topic,
                         StartAt startAt, Handler handler, Duration stuckAfter, Clock clock) {
        super(name, stuckAfter, clock);
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.resources = resources == null ? consumer::close : resources;
        this.topic = Objects.requireNonNull(topic, "topic");
        this.startAt = Objects.requireNonNull(startAt, "startAt");
        this.handler = Objects.requireNonNull(handler, "handler");
    }

    /** Waits until the start-up catch-up is done and its records handled; false on timeout. */
    public boolean awaitCaughtUp(Duration timeout) throws InterruptedException {
        return caughtUp.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Whether the start-up catch-up is done. */
    public boolean isCaughtUp() {
        return caughtUp.getCount() == 0;
    }

    public String topic() {
        return topic;
    }

    @Override
    protected void setUp() {
        partitions = KafkaClients.partitions(consumer, topic);
        consumer.assign(partitions);
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(partitions);
        endAtStart = new HashMap<>(consumer.endOffsets(partitions));
        for (TopicPartition tp : partitions) {
            long from = startAt.offset(beginning.getOrDefault(tp, 0L), endAtStart.getOrDefault(tp, 0L));
            consumer.seek(tp, from);
            LOG.info("following {} from offset {} (end {})", tp, from, endAtStart.get(tp));
        }
    }

    @Override
    protected void doWork() {
        // checked before the poll: a retriable error here loses no polled record
        boolean reached = isCaughtUp() || reachedEnd();
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        consumer.poll(POLL).forEach(records::add);
        try {
            handler.onRecords(records, reached);
        } catch (RuntimeException e) {
            LOG.error("{}: handling {} record(s) failed", name(), records.size(), e);
        }
        if (reached && !isCaughtUp()) {
            caughtUp.countDown();
        }
    }

    private boolean reachedEnd() {
        for (TopicPartition tp : partitions) {
            if (consumer.position(tp) < endAtStart.getOrDefault(tp, 0L)) {
                return false;
            }
        }
        return true;
    }

    @Override
    protected void wakeUp() {
        consumer.wakeup();
    }

    @Override
    protected void tearDown() throws Exception {
        resources.close();
    }
}
