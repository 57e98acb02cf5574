package io.distillery.teacher;

import io.distillery.config.Config;
import io.distillery.config.FeedbackSettings;
import io.distillery.metrics.KafkaClientMeters;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import io.distillery.spec.Roles;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code distill.feedback} on its own thread and hands every decoded message to the listeners
 * (typically {@link EmissionPolicy#onFeedback} and {@link DriftResponse#onFeedback}), in topic order.
 *
 * <p>No consumer group: it assigns every partition itself and, at start, seeks to the end minus
 * {@code feedback.rewind.messages} per partition, so a restarted teacher hears the latest windows at
 * once. It reads committed messages only (the monitor writes transactionally). A message that does not
 * decode is logged and counted in {@code distill.records.rejected{reason="malformed-feedback"}}, and
 * reading goes on; a listener that throws is logged and the other listeners still get the message.
 * Retriable Kafka errors (and a topic that does not exist yet) are retried with a backoff doubling from
 * 100 ms to 10 s. Any other error stops the follower: it is logged once and {@link #isRunning()} turns
 * false, so the role can exit and be restarted.
 *
 * <p>Lifecycle: construct, {@link #start()} once, {@link #close()} once. The Kafka consumer is used
 * only by the follower's thread (and closed by it); listeners are called on that thread.
 */
public final class FeedbackFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeedbackFollower.class);
    static final String MALFORMED = "malformed-feedback";
    private static final Duration POLL_TIMEOUT = Duration.ofMillis(500);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(10);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

    private final org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer;
    private final AutoCloseable clientMeters;
    private final int rewindMessages;
    private final List<Consumer<FeedbackMessage>> listeners;
    private final Duration initialBackoff;
    private final Counter consumed;
    private final Counter malformed;
    private final Thread thread = new Thread(this::run, "feedback-follower");
    private final CountDownLatch closing = new CountDownLatch(1);
    private volatile boolean running;
    private boolean assigned;

    /**
     * @param consumer a consumer of bytes without a group (this object owns and closes it)
     * @param rewindMessages how many of the latest messages per partition to read again at start
     * @param metrics the registry of this process; series are tagged {@code role=teacher}
     * @param listeners called with each message on the follower's thread
     */
    public FeedbackFollower(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, int rewindMessages,
                            RoleMetrics metrics, List<Consumer<FeedbackMessage>> listeners) {
        this(consumer, rewindMessages, metrics, listeners, Duration.ofMillis(100), () -> { });
    }

    FeedbackFollower(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, int rewindMessages,
                     RoleMetrics metrics, List<Consumer<FeedbackMessage>> listeners, Duration initialBackoff) {
        this(consumer, rewindMessages, metrics, listeners, initialBackoff, () -> { });
    }

    private FeedbackFollower(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer, int rewindMessages,
                             RoleMetrics metrics, List<Consumer<FeedbackMessage>> listeners, Duration initialBackoff,
                             AutoCloseable clientMeters) {
        this.consumer = Objects.requireNonNull(consumer, "consumer");
        this.clientMeters = clientMeters;
        this.rewindMessages = rewindMessages;
        this.listeners = List.copyOf(listeners);
        this.initialBackoff = initialBackoff;
        this.consumed = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.FEEDBACK.name());
        this.malformed = metrics.counter(Metrics.RECORDS_REJECTED, Roles.TEACHER, MALFORMED);
        thread.setDaemon(true);
    }

    /**
     * A follower with a Kafka consumer from the configuration ({@code kafka.*} passed through).
     *
     * @throws io.distillery.config.ConfigException when a setting is invalid or the bootstrap servers are unset
     */
    public static FeedbackFollower create(Config config, RoleMetrics metrics,
                                          List<Consumer<FeedbackMessage>> listeners) {
        Map<String, Object> props = KafkaClients.consumer(config, Map.of(
            "isolation.level", "read_committed", "enable.auto.commit", "false"));
        props.remove("group.id");
        KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(props);
        return new FeedbackFollower(consumer, FeedbackSettings.from(config).rewindMessages(), metrics, listeners,
            Duration.ofMillis(100), KafkaClientMeters.bind(metrics, Roles.TEACHER, consumer));
    }

    /** Starts the follower's thread; returns at once. */
    public synchronized void start() {
        if (thread.getState() != Thread.State.NEW) {
            throw new IllegalStateException("feedback follower already started");
        }
        running = true;
        thread.start();
    }

    /** Whether the follower is reading (false before start, after close and after a fatal error). */
    public boolean isRunning() {
        return running && thread.isAlive();
    }

    /** Stops reading and closes the consumer; blocks until the thread has ended (at most 30 s). */
    @Override
    public synchronized void close() {
        running = false;
        closing.countDown();
        if (thread.getState() == Thread.State.NEW) {
            closeConsumer();
            return;
        }
        if (thread.isAlive()) {
            consumer.wakeup();
        }
        try {
            thread.join(CLOSE_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Duration backoff = initialBackoff;
        try {
            while (running) {
                try {
                    pollOnce();
                    backoff = initialBackoff;
                } catch (RetriableException e) {
                    LOG.warn("feedback follower: {}; retrying in {} ms", e.toString(), backoff.toMillis());
                    if (closing.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                        break;
                    }
                    backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF
                        : backoff.multipliedBy(2);
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("feedback follower woken up while running; stopping", e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("feedback follower failed; the teacher no longer hears distill.feedback", e);
        } finally {
            running = false;
            closeConsumer();
        }
    }

    private void closeConsumer() {
        try {
            clientMeters.close();
        } catch (Exception e) {
            LOG.warn("cannot close the feedback consumer's client metrics", e);
        }
        consumer.close();
    }

    /** One step: assign the partitions if not done yet, then poll once and deliver. Package-private for tests. */
    void pollOnce() {
        if (!assigned) {
            assign();
            assigned = true;
        }
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(POLL_TIMEOUT)) {
            consumed.increment();
            FeedbackMessage m = decode(r);
            if (m != null) {
                deliver(m);
            }
        }
    }

    private void assign() {
        List<PartitionInfo> infos = consumer.partitionsFor(Topics.FEEDBACK.name());
        if (infos == null || infos.isEmpty()) {
            throw new UnknownTopicOrPartitionException(
                "topic " + Topics.FEEDBACK.name() + " does not exist yet");
        }
        List<TopicPartition> partitions = infos.stream()
            .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        Map<TopicPartition, Long> begin = consumer.beginningOffsets(partitions);
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        for (TopicPartition tp : partitions) {
            long from = Math.max(begin.getOrDefault(tp, 0L), end.getOrDefault(tp, 0L) - rewindMessages);
            consumer.seek(tp, from);
            LOG.info("following {} from offset {} (end {})", tp, from, end.get(tp));
        }
    }

    private FeedbackMessage decode(ConsumerRecord<byte[], byte[]> r) {
        try {
            if (r.value() == null) {
                throw new IllegalArgumentException("empty feedback message");
            }
            return FeedbackCodec.decode(r.value());
        } catch (RuntimeException e) {
            malformed.increment();
            LOG.warn("skipping malformed feedback at {}-{}@{}: {}", r.topic(), r.partition(), r.offset(),
                String.valueOf(e.getMessage()).replace('\n', ' '));
            return null;
        }
    }

    private void deliver(FeedbackMessage m) {
        for (Consumer<FeedbackMessage> listener : listeners) {
            try {
                listener.accept(m);
            } catch (RuntimeException e) {
                LOG.error("feedback listener {} failed on {}", listener, m, e);
            }
        }
    }
}
