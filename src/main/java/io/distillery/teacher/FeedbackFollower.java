package io.distillery.teacher;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.FeedbackSettings;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.EventTimeBound;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.MessageChecks;
import io.distillery.records.RejectReason;
import io.distillery.records.Rejected;
import io.distillery.service.LoopOwner;
import io.distillery.service.ServiceLoop;
import io.distillery.spec.Roles;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.MeteredClients;
import io.distillery.topics.TopicFollower;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code distill.feedback} and hands every decoded message to the listeners (typically {@link
 * EmissionPolicy#onFeedback} and {@link DriftResponse#onFeedback}), in topic order.
 *
 * <p>A {@link TopicFollower} that starts at the end minus {@code feedback.rewind.messages} per partition,
 * so a restarted teacher hears the latest windows at once; it reads committed messages only (the monitor
 * writes transactionally). A message that does not decode ({@code malformed-message}) or fails its {@link
 * MessageChecks#feedback} check (class count, ratios in [0, 1], counts, window bounds) goes to {@code
 * distill.deadletter} with the reason, and reading goes on; a listener that throws is logged and the other
 * listeners still get the message.
 *
 * <p>Threading: listeners are called on the follower's thread.
 */
public final class FeedbackFollower implements LoopOwner {
    private static final Logger LOG = LoggerFactory.getLogger(FeedbackFollower.class);
    private final List<Consumer<FeedbackMessage>> listeners;
    private final Counter consumed;
    private final DeadLetters deadLetters;
    private final MessageChecks checks;
    private final TopicFollower follower;

    /**
     * @param consumer a consumer of bytes without a group (this object owns and closes it)
     * @param deadLetters where refused messages go
     * @param checks what a valid feedback message is
     * @param rewindMessages how many of the latest messages per partition to read again at start
     * @param metrics the registry of this process; series are tagged {@code role=teacher}
     * @param listeners called with each message on the follower's thread
     */
    public FeedbackFollower(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer,
                            Producer<byte[], byte[]> deadLetters, MessageChecks checks, int rewindMessages,
                            RoleMetrics metrics, List<Consumer<FeedbackMessage>> listeners) {
        this(consumer, deadLetters, checks, null, rewindMessages, metrics, listeners, ServiceLoop.DEFAULT_STUCK_AFTER);
    }

    private FeedbackFollower(org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer,
                             Producer<byte[], byte[]> deadLetters, MessageChecks checks, AutoCloseable resources,
                             int rewindMessages, RoleMetrics metrics, List<Consumer<FeedbackMessage>> listeners,
                             Duration stuckAfter) {
        this.listeners = List.copyOf(listeners);
        this.consumed = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.FEEDBACK.name());
        this.deadLetters = new DeadLetters(deadLetters, Roles.TEACHER, metrics);
        this.checks = checks;
        this.follower = new TopicFollower("feedback-follower", consumer, resources, Topics.FEEDBACK.name(),
            TopicFollower.StartAt.lastMessages(rewindMessages), (records, caughtUp) -> onRecords(records),
            stuckAfter, Clock.systemUTC());
    }

    /**
     * A follower with a Kafka consumer from the configuration ({@code kafka.*} passed through).
     *
     * @throws io.distillery.config.ConfigException when a setting is invalid or the bootstrap servers are unset
     */
    public static FeedbackFollower create(Config config, ClientFactory clients, RoleMetrics metrics,
                                          List<Consumer<FeedbackMessage>> listeners) {
        MeteredClients metered = new MeteredClients(clients, metrics, Roles.TEACHER);
        var consumer = metered.consumer(KafkaClients.followerConsumer(config, Map.of()));
        var producer = metered.producer(KafkaClients.producer(config, Map.of()));
        DataSettings data = DataSettings.from(config);
        MessageChecks checks = new MessageChecks(data.features(), data.classes(),
            new EventTimeBound(data.maxFutureMs(), Clock.systemUTC()));
        return new FeedbackFollower(consumer, producer, checks, metered, FeedbackSettings.from(config).rewindMessages(),
            metrics, listeners, CommonSettings.from(config).stuckAfter());
    }

    /** Starts reading; returns at once. */
    public void start() {
        follower.start();
    }

    @Override
    public ServiceLoop loop() {
        return follower;
    }

    /** Decodes and delivers one poll's records. Package-private for tests. */
    void onRecords(List<ConsumerRecord<byte[], byte[]>> records) {
        for (ConsumerRecord<byte[], byte[]> r : records) {
            consumed.increment();
            FeedbackMessage m = decode(r);
            if (m != null) {
                deliver(m);
            }
        }
    }

    /** The message, or {@code null} when it does not decode or fails its check (dead-lettered). */
    private FeedbackMessage decode(ConsumerRecord<byte[], byte[]> r) {
        FeedbackMessage m = null;
        Rejected problem;
        try {
            if (r.value() == null) {
                throw new IllegalArgumentException("empty feedback message");
            }
            m = FeedbackCodec.decode(r.value());
            problem = checks.feedback(m);
        } catch (RuntimeException e) {
            problem = new Rejected(RejectReason.MALFORMED_MESSAGE, String.valueOf(e.getMessage()).replace('\n', ' '));
        }
        if (problem == null) {
            return m;
        }
        LOG.debug("dead-lettering feedback at {}-{}@{} ({}): {}", r.topic(), r.partition(), r.offset(),
            problem.reason().tag(), problem.detail());
        deadLetters.send(r, problem);
        return null;
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
