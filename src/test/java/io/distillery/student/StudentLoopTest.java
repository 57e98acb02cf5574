package io.distillery.student;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.records.EvalCodec;
import io.distillery.records.EvalMessage;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
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
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The student on mock clients: evaluations before training, dead letters, snapshots with offsets. */
class StudentLoopTest {
    private static final TopicPartition LOGITS = new TopicPartition(Topics.TEACHER_LOGITS.name(), 0);
    private static final Config CONFIG = Config.of(SnapshotFixtures.keySettings()).with(Map.of(
        "kafka.bootstrap.servers", "mock:9092",
        "data.features", "4", "data.classes", "3", "student.hidden", "8", "student.batch.size", "4",
        "student.snapshot.every.steps", "1", "student.replay.steps.max", "2",
        // a fixed number of steps per batch: idle replay (tested on its own below) would add as many as time allows
        "student.replay.idle.ms", "0"));
    private static final SnapshotCodec CODEC = SnapshotFixtures.CODEC;

    private final RoleMetrics metrics = new RoleMetrics("student");
    private final FakeClients clients = new FakeClients();
    private FollowedModel teacher;
    private StudentLoop student;

    @AfterEach
    void close() {
        if (student != null) {
            student.close();
        }
        if (teacher != null) {
            teacher.close();
        }
        metrics.close();
    }

    /** The student's clients in the order it makes them, and the teacher it follows. */
    private record Wiring(PacedConsumer input, MockProducer<byte[], byte[]> output,
                          MockProducer<byte[], byte[]> snapshots, ModelStore store, PacedConsumer teacherInput) { }

    private Wiring wire() {
        PacedConsumer teacherInput = clients.next(FakeClients.consumerOf(Map.of(Topics.TEACHER_SNAPSHOTS.name(), 0L)));
        PacedConsumer input = clients.next(FakeClients.consumerOf(Map.of(LOGITS.topic(), 0L)));
        MockProducer<byte[], byte[]> output = clients.next(FakeClients.producer());
        MockProducer<byte[], byte[]> snapshots = clients.next(FakeClients.producer());
        clients.next(FakeClients.producer());
        clients.next(FakeClients.consumerOf(Map.of(Topics.STUDENT_SNAPSHOTS.name(), 0L)));
        clients.next(FakeClients.consumerOf(Map.of(Topics.STUDENT_CHECKPOINTS.name(), 0L)));
        ModelStore store = new ModelStore(CONFIG, clients, CODEC, metrics, "student", Clock.systemUTC());
        teacher = store.follow(Topics.TEACHER_SNAPSHOTS, "teacher", 4, 3).start();
        return new Wiring(input, output, snapshots, store, teacherInput);
    }

    private static ConsumerRecord<byte[], byte[]> logits(long offset, byte[] value) {
        return new ConsumerRecord<>(LOGITS.topic(), 0, offset, null, value);
    }

    private static byte[] message(String id, int label, int features) {
        float[] x = new float[features];
        x[0] = 0.5f;
        return LogitsCodec.encode(new LogitsMessage(id, 1, label, 2, x, new float[] {2, 0, -1}));
    }

    @Test
    void shouldEvaluateThenLearnDeadLetterWhatDoesNotDecodeAndPublishItsOffsets() throws Exception {
        Wiring w = wire();
        PacedConsumer input = w.input();
        MockProducer<byte[], byte[]> output = w.output();
        MockProducer<byte[], byte[]> snapshots = w.snapshots();
        input.schedulePollTask(() -> {
            input.addRecord(logits(0, message("a", 0, 4)));
            input.addRecord(logits(1, "garbage".getBytes(StandardCharsets.UTF_8)));
            input.addRecord(logits(2, message("b", -1, 4)));
            input.addRecord(logits(3, message("c", 2, 5)));
            input.addRecord(logits(4, message("d", 1, 4)));
        });
        student = new StudentLoop(StudentSettings.from(CONFIG), CONFIG, clients, w.store(), teacher,
            Duration.ofMinutes(1));
        student.start();

        // The version moves after the snapshot is sent: waiting for it sees both.
        Await.until(() -> student.version() > 0, "a student snapshot", Duration.ofSeconds(20),
            student::failure);

        List<ProducerRecord<byte[], byte[]>> sent = output.history();
        List<EvalMessage> evals = sent.stream().filter(r -> r.topic().equals(Topics.STUDENT_EVALS.name()))
            .map(r -> EvalCodec.decode(r.value())).toList();
        assertThat(evals).extracting(EvalMessage::recordId).containsExactly("a", "b", "d");
        assertThat(evals).allSatisfy(e -> assertThat(e.studentVersion()).isEqualTo(0));
        List<String> reasons = sent.stream().filter(r -> r.topic().equals(Topics.DEADLETTER.name()))
            .map(r -> reason(r.headers().lastHeader("distill.reason"))).toList();
        assertThat(reasons).containsExactly("malformed-message", "wrong-shape");
        Snapshot published = CODEC.decode(snapshots.history().get(0).value());
        assertThat(published.manifest().model()).isEqualTo("student");
        assertThat(published.manifest().inputOffsets()).containsEntry("distill.teacher.logits-0", 5L);
        assertThat(student.processed()).isEqualTo(3);
        assertThat(student.version()).isEqualTo(published.manifest().version());
        assertThat(student.recent().agreement()).isBetween(0.0, 1.0);
    }

    @Test
    void shouldPublishTheMovingAverageOfItsWeightsWhenStudentEmaIsOn() throws Exception {
        float[][] trained = publishedLogitsAfterOneBatch(CONFIG);
        float[][] averaged = publishedLogitsAfterOneBatch(CONFIG.with(Map.of("student.ema.decay", "0.99")));
        float[][] again = publishedLogitsAfterOneBatch(CONFIG);

        assertThat(again).as("the same batch, seed and steps give the same trained student").isEqualTo(trained);
        assertThat(averaged).as("the average of the steps' weights, not the last step's").isNotEqualTo(trained);
    }

    /** Starts a student whose input holds one batch of four logits messages. */
    private Wiring startOnOneBatch(Config config) {
        Wiring w = wire();
        w.input().schedulePollTask(() -> {
            for (int i = 0; i < 4; i++) {
                w.input().addRecord(logits(i, message("r" + i, i % 3, 4)));
            }
        });
        student = new StudentLoop(StudentSettings.from(config), config, clients, w.store(), teacher,
            Duration.ofMinutes(1));
        student.start();
        return w;
    }

    /** Starts a student on one batch of logits, returns its first snapshot's logits on a probe row, stops it. */
    private float[][] publishedLogitsAfterOneBatch(Config config) throws Exception {
        Wiring w = startOnOneBatch(config);
        Await.until(() -> student.version() > 0, "a student snapshot", Duration.ofSeconds(20), student::failure);
        Snapshot first = CODEC.decode(w.snapshots().history().get(0).value());
        Network published = Network.fromBytes(first.modelBytes(), first.onnxBytes(), true);
        student.close();
        teacher.close();
        student = null;
        teacher = null;
        return published.logits(new float[][] {{0.5f, -0.25f, 1f, 0f}});
    }

    @Test
    void shouldDeadLetterPoisonLogitsAndGoOnLearning() throws Exception {
        Wiring w = wire();
        PacedConsumer input = w.input();
        MockProducer<byte[], byte[]> output = w.output();
        MockProducer<byte[], byte[]> snapshots = w.snapshots();
        float[] x = {0.5f, 0, 0, 0};
        float[] z = {2, 0, -1};
        long future = System.currentTimeMillis() + 3_600_000;
        input.schedulePollTask(() -> {
            input.addRecord(logits(0, LogitsCodec.encode(new LogitsMessage("label-7", 1, 7, 2, x, z))));
            input.addRecord(logits(1, LogitsCodec.encode(new LogitsMessage("nan-logit", 1, 0, 2, x,
                new float[] {Float.NaN, 0, 0}))));
            input.addRecord(logits(2, LogitsCodec.encode(new LogitsMessage("inf-feature", 1, 0, 2,
                new float[] {Float.POSITIVE_INFINITY, 0, 0, 0}, z))));
            input.addRecord(logits(3, LogitsCodec.encode(new LogitsMessage("future", future, 0, 2, x, z))));
            input.addRecord(logits(4, message("good", 1, 4)));
        });
        student = new StudentLoop(StudentSettings.from(CONFIG), CONFIG, clients, w.store(), teacher,
            Duration.ofMinutes(1));
        student.start();

        Await.until(() -> !snapshots.history().isEmpty(), "a student snapshot", Duration.ofSeconds(20),
            student::failure);
        assertThat(student.failure()).isNull();
        assertThat(student.processed()).isEqualTo(1);
        List<String> reasons = output.history().stream().filter(r -> r.topic().equals(Topics.DEADLETTER.name()))
            .map(r -> reason(r.headers().lastHeader("distill.reason"))).toList();
        assertThat(reasons).containsExactly("label-out-of-range", "non-finite", "non-finite", "future-event-time");
        assertThat(metrics.scrape()).contains("distill_records_rejected_total{reason=\"non-finite\",role=\"student\"} 2.0");
    }

    @Test
    void shouldUndoNonFiniteStepsAndNeverPublishNonFiniteWeights() throws Exception {
        Wiring w = wire();
        PacedConsumer input = w.input();
        MockProducer<byte[], byte[]> snapshots = w.snapshots();
        float[] huge = {3e38f, 3e38f, 3e38f, 3e38f};
        input.schedulePollTask(() -> {
            for (int i = 0; i < 4; i++) {
                input.addRecord(logits(i, LogitsCodec.encode(new LogitsMessage("huge-" + i, 1, 0, 2, huge,
                    new float[] {2, 0, -1}))));
            }
            for (int i = 4; i < 8; i++) {
                input.addRecord(logits(i, message("good-" + i, 1, 4)));
            }
        });
        student = new StudentLoop(StudentSettings.from(CONFIG), CONFIG, clients, w.store(), teacher,
            Duration.ofMinutes(1));
        student.start();

        Await.until(() -> !snapshots.history().isEmpty(), "a student snapshot", Duration.ofSeconds(20),
            student::failure);
        assertThat(student.failure()).isNull();
        assertThat(metrics.registry().get("distill.training.nonfinite").tag("model", "student").counter().count())
            .isGreaterThanOrEqualTo(1.0);
        for (ProducerRecord<byte[], byte[]> r : snapshots.history()) {
            Snapshot s = CODEC.decode(r.value());
            assertThat(Network.fromBytes(s.modelBytes(), s.onnxBytes(), true).weightsFinite()).isTrue();
        }
    }

    @Test
    void shouldReplayIdlyUpToItsCapAndStartTheCapAgainForANewTeacher() throws Exception {
        Config config = CONFIG.with(Map.of("student.replay.idle.ms", "50", "student.replay.idle.max.steps", "5",
            "student.replay.steps.max", "0", "student.snapshot.every.steps", "1000", "teacher.hidden", "8"));
        Wiring w = startOnOneBatch(config);

        Await.until(() -> replaySteps() == 5, "the idle replay steps", Duration.ofSeconds(20), student::failure);
        Thread.sleep(300);
        assertThat(replaySteps()).as("no more idle steps while nothing new arrives").isEqualTo(5);

        ProducerRecord<byte[], byte[]> snapshot = TeacherSnapshots.published(config, 1, Map.of());
        w.teacherInput().schedulePollTask(() -> w.teacherInput().addRecord(new ConsumerRecord<>(
            Topics.TEACHER_SNAPSHOTS.name(), 0, 0, snapshot.key(), snapshot.value())));
        Await.until(() -> teacher.current() != null, "the teacher snapshot", Duration.ofSeconds(20),
            student::failure);
        Await.until(() -> replaySteps() == 10, "idle steps on the new teacher's targets", Duration.ofSeconds(20),
            student::failure);
        Thread.sleep(300);
        assertThat(replaySteps()).as("the cap again, counted from the new teacher").isEqualTo(10);
        assertThat(student.processed()).isEqualTo(4);
    }

    private double replaySteps() {
        return metrics.registry().get("distill.training.steps").tag("model", "student").tag("kind", "replay")
            .counter().count();
    }

    private static String reason(Header h) {
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }
}
