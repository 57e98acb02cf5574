package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.feedback.MonitorService;
import io.distillery.ingest.Publisher;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.records.DeadLetters;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.records.RejectReason;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.EmissionGate;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.FeedbackFollower;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.BadMessages;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every role on a real broker against 10,000 seeded bad messages in each topic it reads, beside a stream of
 * good records: no loop fails, every bad message is dead-lettered with the reason it was made for (snapshots:
 * refused and counted by reason), no published snapshot has a non-finite weight, and every good record is
 * emitted and learned from exactly once.
 */
class StreamFuzzIT {
    @TempDir
    Path tmp;

    private static final int BAD_PER_TOPIC = 10_000;
    private static final long SEED = 12;

    @Test
    void shouldDeadLetterEveryBadMessageAndProcessEveryGoodRecordOnceWithoutAFailure() throws Exception {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
                "monitor.window.ms", "1000", "monitor.grace.ms", "1000",
                "monitor.state.dir", tmp.resolve("monitor-state").toString(),
                "feedback.rewind.messages", "100000"));
            Pipelines.createTopics(config);
            DataSettings data = DataSettings.from(config);
            BadMessages bad = BadMessages.seeded(data.features(), data.classes(), System.currentTimeMillis(), SEED);
            Map<String, Map<RejectReason, Long>> expected = new HashMap<>();
            Publisher.Summary produced = Pipelines.produce(config, 3_000, 0.3, SEED, 0.0, "");
            long good = produced.labeled() + produced.unlabeled();
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers",
                kafka.bootstrapServers(), "linger.ms", "20"), new ByteArraySerializer(), new ByteArraySerializer())) {
                publish(p, Topics.LABELED.name(), i -> bad.input(i, true), expected);
                publish(p, Topics.UNLABELED.name(), i -> bad.input(i, false), expected);
                publish(p, Topics.TEACHER_LOGITS.name(), bad::logits, expected);
                publish(p, Topics.STUDENT_EVALS.name(), bad::eval, expected);
                publish(p, Topics.FEEDBACK.name(), i -> bad.feedback(), expected);
                for (int i = 0; i < BAD_PER_TOPIC; i++) {
                    String key = i % 10 == 0 ? "someone-else" : null;
                    p.send(new ProducerRecord<>(Topics.TEACHER_SNAPSHOTS.name(), bytes(key == null ? Models.TEACHER : key),
                        bad.snapshot()));
                    p.send(new ProducerRecord<>(Topics.STUDENT_SNAPSHOTS.name(), bytes(key == null ? Models.STUDENT : key),
                        bad.snapshot()));
                }
            }

            SnapshotCodec codec = SnapshotFixtures.CODEC;
            RoleMetrics metrics = new RoleMetrics();
            RoleMetrics serveMetrics = new RoleMetrics();
            List<ConsumerRecord<byte[], byte[]>> deadLetters;
            try (FeedbackFollower follower = Loops.feedback(config, metrics, List.of(m -> { }));
                 MonitorService monitor = new MonitorService(config, metrics);
                 Trainer trainer = Loops.trainer(config, metrics, TrainerAdaptation.NONE);
                 Emitter emitter = Loops.emitter(config, metrics, trainer::latest, EmissionGate.ALWAYS);
                 FollowedModel teacher = Loops.teacherSnapshots(config, metrics);
                 StudentLoop student = Loops.student(config, metrics, teacher);
                 FollowedModel served = ModelStore.of(config, codec, serveMetrics, Roles.SERVE)
                     .follow(Topics.STUDENT_SNAPSHOTS, Models.STUDENT, data.features(), data.classes()).start()) {
                follower.start();
                monitor.start();
                long total = expected.values().stream().flatMap(m -> m.values().stream()).mapToLong(Long::longValue).sum();
                deadLetters = CommittedRecords.readAll(kafka.bootstrapServers(), List.of(Topics.DEADLETTER.name()),
                    total, Duration.ofSeconds(3), Duration.ofSeconds(90));
                long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
                while ((student.processed() < good || served.current() == null) && System.nanoTime() < deadline) {
                    Thread.sleep(200);
                }
                assertThat(Arrays.asList(trainer.failure(), emitter.failure(), student.failure(),
                    follower.loop().failure(), teacher.loop().failure(), served.loop().failure()))
                    .as("loop failures").containsOnlyNulls();
                assertThat(monitor.isRunning()).as("monitor running").isTrue();
                assertThat(student.processed()).as("good logits learned from").isEqualTo(good);
                assertThat(served.current()).as("a good student snapshot served despite the bad ones").isNotNull();
            }

            assertThat(tally(deadLetters)).isEqualTo(expected);
            assertThat(rejected(metrics, Roles.STUDENT, Models.TEACHER)).as("bad teacher snapshots refused").isPositive();
            assertThat(rejected(serveMetrics, Roles.SERVE, Models.STUDENT)).as("bad student snapshots refused").isPositive();
            assertPublishedSnapshotsFinite(kafka.bootstrapServers(), codec);
            assertEachGoodRecordEmittedOnce(kafka.bootstrapServers(), good);
            metrics.close();
            serveMetrics.close();
        }
    }

    private static void publish(KafkaProducer<byte[], byte[]> p, String topic, IntFunction<BadMessages.Bad> make,
                                Map<String, Map<RejectReason, Long>> expected) {
        for (int i = 0; i < BAD_PER_TOPIC; i++) {
            BadMessages.Bad b = make.apply(i);
            p.send(new ProducerRecord<>(topic, bytes("bad-" + i), b.value()));
            expected.computeIfAbsent(topic, t -> new HashMap<>()).merge(b.reason(), 1L, Long::sum);
        }
    }

    /** Dead letters by source topic and reason. */
    private static Map<String, Map<RejectReason, Long>> tally(List<ConsumerRecord<byte[], byte[]>> deadLetters) {
        return deadLetters.stream().collect(Collectors.groupingBy(r -> header(r, DeadLetters.SOURCE_TOPIC),
            Collectors.groupingBy(r -> RejectReason.ofTag(header(r, DeadLetters.REASON)), Collectors.counting())));
    }

    private static double rejected(RoleMetrics metrics, String role, String model) {
        return metrics.registry().find("distill.snapshots.rejected").tags("role", role, "model", model).counters()
            .stream().mapToDouble(c -> c.count()).sum();
    }

    private static void assertPublishedSnapshotsFinite(String bootstrap, SnapshotCodec codec) {
        int checked = 0;
        for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(bootstrap, List.of(
            Topics.TEACHER_SNAPSHOTS.name(), Topics.STUDENT_SNAPSHOTS.name()), 2 * BAD_PER_TOPIC, Duration.ofSeconds(2),
            Duration.ofSeconds(30))) {
            Snapshot s;
            try {
                s = codec.decode(r.value());
            } catch (SnapshotException e) {
                continue;
            }
            assertThat(Network.fromBytes(s.modelBytes(), s.onnxBytes(), true).weightsFinite()).as(s.manifest().id()).isTrue();
            checked++;
        }
        assertThat(checked).as("published snapshots").isPositive();
    }

    private static void assertEachGoodRecordEmittedOnce(String bootstrap, long good) {
        Map<String, Long> perId = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(bootstrap, List.of(
            Topics.TEACHER_LOGITS.name()), good + BAD_PER_TOPIC, Duration.ofSeconds(2), Duration.ofSeconds(30))) {
            if (!header(r.key()).startsWith("bad-")) {
                LogitsMessage m = LogitsCodec.decode(r.value());
                perId.merge(m.id(), 1L, Long::sum);
            }
        }
        assertThat(perId).hasSize((int) good);
        assertThat(new ArrayList<>(perId.values())).containsOnly(1L);
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
    }

    private static String header(byte[] key) {
        return key == null ? "" : new String(key, StandardCharsets.UTF_8);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
