package io.distillery.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.stream.LongStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;

class SnapshotPublisherTest {
    private final MockProducer<byte[], byte[]> producer =
        new MockProducer<>(true, null, new ByteArraySerializer(), new ByteArraySerializer());

    @Test
    void shouldPublishSignedSnapshotKeyedByModelAndRingSlot() throws Exception {
        SnapshotCodec codec = SnapshotFixtures.CODEC;
        Snapshot snapshot = Snapshot.of(SnapshotFixtures.manifest(8, 3), new byte[] {1, 2, 3});
        try (SnapshotPublisher publisher = new SnapshotPublisher(producer, "distill.student.snapshots", 5)) {
            publisher.publish(snapshot, codec);
        }

        assertThat(producer.history()).hasSize(1);
        assertThat(producer.history().get(0).topic()).isEqualTo("distill.student.snapshots");
        long version = snapshot.manifest().version();
        assertThat(new String(producer.history().get(0).key(), StandardCharsets.UTF_8))
            .isEqualTo("student/" + version % 5);
        assertThat(codec.decode(producer.history().get(0).value())).isEqualTo(snapshot);
    }

    @Test
    void shouldKeyTheLastRetainedVersionsEachUnderItsOwnSlot() {
        assertThat(LongStream.rangeClosed(11, 15).mapToObj(v -> SnapshotSlots.key("teacher", v, 5)))
            .containsExactly("teacher/1", "teacher/2", "teacher/3", "teacher/4", "teacher/0");
        assertThat(SnapshotSlots.key("teacher", 16, 5)).as("the sixth version overwrites the oldest")
            .isEqualTo(SnapshotSlots.key("teacher", 11, 5));
        assertThat(SnapshotSlots.key("student", 7, 1)).isEqualTo("student/0");
    }

    @Test
    void shouldReadTheModelOfRingKeysAndOfKeysWrittenBeforeTheRing() {
        assertThat(SnapshotSlots.model("student/3")).isEqualTo("student");
        assertThat(SnapshotSlots.model("student/42")).isEqualTo("student");
        assertThat(SnapshotSlots.model("student")).isEqualTo("student");
        assertThat(SnapshotSlots.model("teacher/")).isEqualTo("teacher/");
        assertThat(SnapshotSlots.model("a/b")).isEqualTo("a/b");
        assertThat(SnapshotSlots.model("")).isEmpty();
    }

    @Test
    void shouldThrowKafkaExceptionWhenTheWriteFails() {
        MockProducer<byte[], byte[]> failing =
            new MockProducer<>(false, null, new ByteArraySerializer(), new ByteArraySerializer());
        SnapshotPublisher publisher = new SnapshotPublisher(failing, "t", 5);
        Thread failer = new Thread(() -> {
            while (!failing.errorNext(new KafkaException("broker said no"))) {
                Thread.onSpinWait();
            }
        });
        failer.start();

        assertThatThrownBy(() -> publisher.publish("student", new byte[] {1})).isInstanceOf(KafkaException.class)
            .hasMessageContaining("broker said no");
    }

    @Test
    void shouldBeIdempotentWithAcksAllAndRaisedRequestSizeUnlessOverridden() {
        Map<String, Object> config = SnapshotPublisher.producerConfig(Map.of("bootstrap.servers", "b:9092"), 32 << 20);
        assertThat(config).containsEntry(ProducerConfig.ACKS_CONFIG, "all")
            .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true)
            .containsEntry("bootstrap.servers", "b:9092");
        assertThat((int) config.get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG)).isGreaterThan(32 << 20);

        Map<String, Object> tuned = SnapshotPublisher.producerConfig(Map.of("max.request.size", "99999999"), 32 << 20);
        assertThat(tuned).containsEntry(ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "99999999");
    }

    @Test
    void shouldLeaveTheSendBufferToTheKernelUnlessTheUserSetsIt() {
        assertThat(SnapshotPublisher.producerConfig(Map.of(), 32 << 20))
            .containsEntry(ProducerConfig.SEND_BUFFER_CONFIG, -1);
        assertThat(SnapshotPublisher.producerConfig(Map.of("send.buffer.bytes", "262144"), 32 << 20))
            .containsEntry(ProducerConfig.SEND_BUFFER_CONFIG, "262144");
    }
}
