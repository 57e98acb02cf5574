package io.distillery.teacher;

import static io.distillery.testing.FeedbackMessages.drift;
import static io.distillery.testing.FeedbackMessages.window;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.EventTimeBound;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.MessageChecks;
import io.distillery.testing.FakeClients;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Decoding and delivery; the reading itself is {@code TopicFollower}'s (see its test). */
class FeedbackFollowerTest {
    private static final String TOPIC = "distill.feedback";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final RoleMetrics metrics = new RoleMetrics();
    private static final MessageChecks CHECKS = new MessageChecks(4, 3, new EventTimeBound(5_000, Clock.systemUTC()));

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final MockProducer<byte[], byte[]> deadLetters = FakeClients.producer();
    private final List<FeedbackMessage> heard = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeMetrics() {
        metrics.close();
    }

    @Test
    void shouldDeliverDecodedMessagesInOrder() {
        FeedbackMessage w = window(0.95, 1000, 3);
        follower(3).onRecords(List.of(record(17, FeedbackCodec.encode(w)), record(18, FeedbackCodec.encode(drift(3)))));

        assertThat(heard).containsExactly(w, drift(3));
        assertThat(counter("distill.records.consumed", "topic", TOPIC)).isEqualTo(2.0);
    }

    @Test
    void shouldDeadLetterMalformedAndInvalidMessagesWithTheirReasons() {
        double[] perClass = {0.9, 0.9, 0.9};
        long[] counts = {10, 10, 10};
        follower(10).onRecords(List.of(record(0, "{not json".getBytes(StandardCharsets.UTF_8)),
            record(1, "{\"v\": 7}".getBytes(StandardCharsets.UTF_8)), record(2, null),
            record(3, FeedbackCodec.encode(drift(5))),
            record(4, FeedbackCodec.encode(window(1.5, perClass, counts))),
            record(5, FeedbackCodec.encode(window(0.9, new double[] {0.9, -2, 0.9}, counts))),
            record(6, FeedbackCodec.encode(drift(3)))));

        assertThat(heard).containsExactly(drift(3));
        assertThat(deadLetters.history()).extracting(r -> new String(r.headers().lastHeader(DeadLetters.REASON).value(),
            StandardCharsets.UTF_8)).containsExactly("malformed-message", "malformed-message", "malformed-message",
            "wrong-shape", "value-out-of-range", "value-out-of-range");
        assertThat(deadLetters.history()).extracting(ProducerRecord::topic).containsOnly(Topics.DEADLETTER.name());
        assertThat(counter("distill.records.rejected", "reason", "malformed-message")).isEqualTo(3.0);
    }

    @Test
    void shouldDeliverToEveryListenerWhenOneThrows() {
        FeedbackFollower follower = new FeedbackFollower(consumer, deadLetters, CHECKS, 0, metrics, List.of(m -> {
            throw new IllegalStateException("listener bug");
        }, heard::add));

        follower.onRecords(List.of(record(0, FeedbackCodec.encode(drift(3)))));

        assertThat(heard).containsExactly(drift(3));
    }

    @Test
    void shouldStartAtTheEndMinusTheRewindAndHearWhatFollows() throws InterruptedException {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(P0, 0L));
        consumer.updateEndOffsets(Map.of(P0, 20L));
        FeedbackMessage w = window(0.9, 2000, 3);
        consumer.schedulePollTask(() -> consumer.addRecord(record(17, FeedbackCodec.encode(w))));
        try (FeedbackFollower follower = follower(3)) {
            follower.start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (heard.isEmpty() && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            assertThat(heard).containsExactly(w);
            assertThat(follower.health().healthy()).isTrue();
        }
        assertThat(consumer.closed()).isTrue();
    }

    private FeedbackFollower follower(int rewind) {
        return new FeedbackFollower(consumer, deadLetters, CHECKS, rewind, metrics, List.of(heard::add));
    }

    private static ConsumerRecord<byte[], byte[]> record(long offset, byte[] value) {
        return new ConsumerRecord<>(TOPIC, 0, offset, null, value);
    }

    private double counter(String name, String tag, String value) {
        return metrics.registry().get(name).tags("role", "teacher", tag, value).counter().count();
    }
}
