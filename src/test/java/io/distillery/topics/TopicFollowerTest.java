package io.distillery.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.service.ServiceLoop;
import io.distillery.testing.Await;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TopicFollowerTest {
    private static final String TOPIC = "distill.feedback";
    private static final TopicPartition P0 = new TopicPartition(TOPIC, 0);

    private final MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
    private final List<Long> offsets = new CopyOnWriteArrayList<>();
    private final List<Boolean> caughtUpFlags = new CopyOnWriteArrayList<>();
    private TopicFollower follower;

    @AfterEach
    void close() {
        if (follower != null) {
            follower.close();
        }
    }

    private TopicFollower follower(TopicFollower.StartAt startAt) {
        follower = new TopicFollower("test-follower", consumer, null, TOPIC, startAt, (records, caughtUp) -> {
            records.forEach(r -> offsets.add(r.offset()));
            if (!records.isEmpty()) {
                caughtUpFlags.add(caughtUp);
            }
        }, ServiceLoop.DEFAULT_STUCK_AFTER, Clock.systemUTC());
        return follower;
    }

    private void topic(long begin, long end) {
        consumer.updatePartitions(TOPIC, List.of(new PartitionInfo(TOPIC, 0, Node.noNode(), new Node[0], new Node[0])));
        consumer.updateBeginningOffsets(Map.of(P0, begin));
        consumer.updateEndOffsets(Map.of(P0, end));
    }

    private void add(long offset) {
        consumer.addRecord(new ConsumerRecord<>(TOPIC, 0, offset, null, new byte[] {1}));
    }

    @Test
    void shouldStartAtTheLastMessagesButNotBeforeTheBeginning() throws Exception {
        topic(5, 7);
        follower(TopicFollower.StartAt.lastMessages(10)).start();

        assertThat(follower.awaitCaughtUp(Duration.ofMillis(300))).isFalse();
        consumer.schedulePollTask(() -> {
            add(5);
            add(6);
        });

        assertThat(follower.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();
        assertThat(consumer.assignment()).containsExactly(P0);
        assertThat(offsets).containsExactly(5L, 6L);
        assertThat(caughtUpFlags).containsExactly(false);
    }

    @Test
    void shouldTellTheHandlerWhenTheEndSeenAtStartIsReached() throws Exception {
        topic(0, 1);
        consumer.schedulePollTask(() -> add(0));
        follower(TopicFollower.StartAt.beginning()).start();
        assertThat(follower.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();

        consumer.schedulePollTask(() -> add(1));
        // the handler notes a batch's flag after its offsets: wait for the flag
        Await.until(() -> caughtUpFlags.size() == 2, "the second batch", Duration.ofSeconds(5));

        assertThat(offsets).containsExactly(0L, 1L);
        assertThat(caughtUpFlags).containsExactly(false, true);
    }

    @Test
    void shouldWaitForATopicThatDoesNotExistYetAndStayHealthy() throws Exception {
        follower(TopicFollower.StartAt.beginning()).start();
        assertThat(follower.awaitCaughtUp(Duration.ofMillis(300))).isFalse();
        assertThat(follower.health().healthy()).isTrue();
        assertThat(follower.health().detail()).contains("does not exist yet");

        topic(0, 0);

        assertThat(follower.awaitCaughtUp(Duration.ofSeconds(5))).isTrue();
        assertThat(follower.failure()).isNull();
        assertThat(follower.health().detail()).isEqualTo("running");
    }

    @Test
    void shouldBackOffAndRetryAfterARetriableError() throws Exception {
        topic(0, 0);
        consumer.setPollException(new TimeoutException("broker away"));
        consumer.schedulePollTask(() -> add(0));
        follower(TopicFollower.StartAt.beginning()).start();

        Await.until(() -> offsets.size() == 1, "the records", Duration.ofSeconds(5));

        assertThat(offsets).containsExactly(0L);
        assertThat(follower.failure()).isNull();
    }

    @Test
    void shouldStopOnAFatalErrorAndReportIt() throws Exception {
        topic(0, 0);
        consumer.setPollException(new KafkaException("not authorized"));
        follower(TopicFollower.StartAt.beginning()).start();

        assertThat(follower.awaitStop(Duration.ofSeconds(5))).isTrue();
        assertThat(follower.failure()).hasMessage("not authorized");
        assertThat(follower.health().healthy()).isFalse();
        assertThat(follower.health().detail()).contains("not authorized");
        assertThat(consumer.closed()).isTrue();
    }

    @Test
    void shouldCloseTheConsumerWhenNeverStarted() {
        follower(TopicFollower.StartAt.beginning()).close();

        assertThat(consumer.closed()).isTrue();
    }
}
