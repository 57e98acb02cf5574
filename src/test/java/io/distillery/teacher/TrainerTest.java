package io.distillery.teacher;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.ModelStore;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.testing.Await;
import io.distillery.testing.FakeClients.PacedConsumer;
import io.distillery.testing.FakeClients;
import io.distillery.testing.TeacherSnapshots;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The trainer on mock clients: what it learns, what it publishes, where it resumes. */
class TrainerTest {
    private static final TopicPartition LABELED = new TopicPartition(Topics.LABELED.name(), 0);
    private static final Config CONFIG = Config.of(SnapshotFixtures.keySettings()).with(Map.of(
        "kafka.bootstrap.servers", "mock:9092",
        "data.features", "4", "data.classes", "3", "teacher.hidden", "8",
        "teacher.batch.size", "4", "teacher.replay.ratio", "2", "teacher.buffer.size", "100",
        "teacher.snapshot.every.steps", "2", "teacher.trainer.cpu.share", "1"));
    private static final SnapshotCodec CODEC = SnapshotFixtures.CODEC;

    private final RoleMetrics metrics = new RoleMetrics("teacher");
    private final FakeClients clients = new FakeClients();
    private Trainer trainer;

    @AfterEach
    void close() {
        if (trainer != null) {
            trainer.close();
        }
        metrics.close();
    }

    private Trainer trainer() {
        ModelStore store = new ModelStore(CONFIG, clients, CODEC, metrics, "teacher", Clock.systemUTC());
        trainer = new Trainer(TeacherSettings.from(CONFIG), CONFIG, clients, store, TrainerAdaptation.NONE,
            Duration.ofMinutes(1));
        return trainer;
    }

    private static ConsumerRecord<byte[], byte[]> labeled(long offset, String json) {
        return new ConsumerRecord<>(LABELED.topic(), 0, offset, null, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String row(int i, int label) {
        return "{\"id\":\"r" + i + "\",\"ts\":1,\"features\":[" + (i % 3) + ",0.5,-1," + (i % 2) + "],\"label\":" + label
            + "}";
    }

    @Test
    void shouldLearnFromValidLabeledRecordsAndPublishASnapshotWithEveryConsumedOffset() throws Exception {
        PacedConsumer input = clients.next(FakeClients.consumerOf(Map.of(LABELED.topic(), 0L)));
        MockProducer<byte[], byte[]> snapshots = clients.next(FakeClients.producer());
        clients.next(FakeClients.producer());
        clients.next(FakeClients.consumerOf(Map.of(Topics.TEACHER_SNAPSHOTS.name(), 0L)));
        clients.next(FakeClients.consumerOf(Map.of(Topics.TEACHER_CHECKPOINTS.name(), 0L)));
        input.schedulePollTask(() -> {
            for (int i = 0; i < 8; i++) {
                input.addRecord(labeled(i, row(i, i % 3)));
            }
            input.addRecord(labeled(8, "{not json"));
        });
        trainer().start();

        Await.until(() -> trainer.latest() != null, "a teacher snapshot", Duration.ofSeconds(20),
            trainer::failure);

        Snapshot first = CODEC.decode(snapshots.history().get(0).value());
        assertThat(first.manifest().model()).isEqualTo("teacher");
        assertThat(first.manifest().version()).isEqualTo(1);
        assertThat(first.manifest().inputOffsets()).containsEntry("distill.records.labeled-0", 9L);
        assertThat(trainer.learned() + trainer.heldOut()).isEqualTo(8);
        assertThat(metrics.registry().get("distill.records.consumed").tag("topic", "skipped-invalid").counter()
            .count()).isEqualTo(1.0);
        assertThat(trainer.health().healthy()).isTrue();
    }

    @Test
    void shouldResumeFromItsSnapshotNoEarlierThanTheBeginningOfThePartition() throws Exception {
        PacedConsumer input = clients.next(FakeClients.consumerOf(Map.of(LABELED.topic(), 12L)));
        input.updateBeginningOffsets(Map.of(LABELED, 7L));
        clients.next(FakeClients.producer());
        clients.next(FakeClients.producer());
        PacedConsumer own = clients.next(FakeClients.consumerOf(Map.of(Topics.TEACHER_SNAPSHOTS.name(), 1L)));
        clients.next(FakeClients.consumerOf(Map.of(Topics.TEACHER_CHECKPOINTS.name(), 0L)));
        byte[] snapshot = TeacherSnapshots.published(CONFIG, 5, Map.of("distill.records.labeled-0", 5L)).value();
        own.schedulePollTask(() -> own.addRecord(new ConsumerRecord<>(Topics.TEACHER_SNAPSHOTS.name(), 0, 0,
            "teacher".getBytes(StandardCharsets.UTF_8), snapshot)));
        trainer().start();

        Await.until(() -> trainer.latest() != null, "the resumed teacher", Duration.ofSeconds(20), trainer::failure);
        Await.until(() -> input.assignment().contains(LABELED) && input.position(LABELED) == 7L, "the seek",
            Duration.ofSeconds(20), trainer::failure);

        assertThat(trainer.latest().version()).isEqualTo(5);
        assertThat(trainer.failure()).isNull();
    }
}
