package io.distillery.teacher;

import static io.distillery.testing.FeedbackMessages.drift;
import static io.distillery.testing.FeedbackMessages.window;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.metrics.RoleMetrics;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class FeedbackFollowerTest {
    private static final String TOPIC = "distill.feedback";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final RoleMetrics metrics = new RoleMetrics();
    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final List<FeedbackMessage> heard = new CopyOnWriteArrayList<>();

    @AfterEach
    void closeMetrics() {
        metrics.close();
    }

    @Test
    void shouldDeliverDecodedMessagesFromTheEndMinusRewind() {
        topic(0, 20);
        FeedbackFollower follower = follower(3);
        follower.pollOnce();
        assertThat(consumer.assignment()).containsExactly(P0);
        assertThat(consumer.position(P0)).isEqualTo(17);
        FeedbackMessage w = window(0.95, 1000, 3);
        add(17, FeedbackCodec.encode(w));
        add(18, FeedbackCodec.encode(drift(3)));
        follower.pollOnce();
        assertThat(heard).containsExactly(w, drift(3));
        assertThat(counter("distill.records.consumed", "topic", TOPIC)).isEqualTo(2.0);
    }

    @Test
    void shouldNotRewindBeforeTheBeginning() {
        topic(5, 7);
        follower(10).pollOnce();
        assertThat(consumer.position(P0)).isEqualTo(5);
    }

    @Test
    void shouldSkipAndCountAMalformedMessage() {
        topic(0, 0);
        FeedbackFollower follower = follower(10);
        follower.pollOnce();
        add(0, "{not json".getBytes(StandardCharsets.UTF_8));
        add(1, "{\"v\": 7}".getBytes(StandardCharsets.UTF_8));
        add(2, FeedbackCodec.encode(drift(3)));
        follower.pollOnce();
        assertThat(heard).containsExactly(drift(3));
        assertThat(counter("distill.records.rejected", "reason", "malformed-feedback")).isEqualTo(2.0);
    }

    @Test
    void shouldDeliverToEveryListenerWhenOneThrows() {
        topic(0, 0);
        FeedbackFollower follower = new FeedbackFollower(consumer, 0, metrics, List.of(m -> {
            throw new IllegalStateException("listener bug");
        }, heard::add));
        follower.pollOnce();
        add(0, FeedbackCodec.encode(drift(3)));
        follower.pollOnce();
        assertThat(heard).containsExactly(drift(3));
    }

    @Test
    void shouldRetryWhileTheTopicDoesNotExist() {
        FeedbackFollower follower = follower(0);
        assertThatThrownBy(follower::pollOnce).isInstanceOf(RetriableException.class);
        topic(0, 0);
        follower.pollOnce();
        assertThat(consumer.assignment()).containsExactly(P0);
    }

    @Test
    void shouldBackOffAndRetryAfterARetriableErrorThenCloseTheConsumer() throws InterruptedException {
        topic(0, 0);
        CountDownLatch delivered = new CountDownLatch(1);
        FeedbackFollower follower = new FeedbackFollower(consumer, 0, metrics,
            List.of(m -> delivered.countDown()), Duration.ofMillis(1));
        consumer.setPollException(new TimeoutException("broker away"));
        consumer.schedulePollTask(() -> add(0, FeedbackCodec.encode(drift(3))));
        follower.start();
        assertThat(delivered.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(follower.isRunning()).isTrue();
        follower.close();
        assertThat(follower.isRunning()).isFalse();
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void shouldStopOnAFatalError() throws InterruptedException {
        topic(0, 0);
        FeedbackFollower follower = follower(0);
        consumer.setPollException(new KafkaException("not authorized"));
        follower.start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (follower.isRunning() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertThat(follower.isRunning()).isFalse();
        assertThat(consumer.closed()).isTrue();
        follower.close();
    }

    @Test
    void shouldCloseTheConsumerWhenNeverStarted() {
        follower(0).close();
        assertThat(consumer.closed()).isTrue();
    }

    private FeedbackFollower follower(int rewind) {
        return new FeedbackFollower(consumer, rewind, metrics, List.of(heard::add), Duration.ofMillis(1));
    }

    private void topic(long begin, long end) {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(P0, begin));
        consumer.updateEndOffsets(Map.of(P0, end));
    }

    private void add(long offset, byte[] value) {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, null, value));
    }

    private double counter(String name, String tag, String value) {
        return metrics.registry().get(name).tags("role", "teacher", tag, value).counter().count();
    }
}
