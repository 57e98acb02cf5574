package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.modelstore.ResumePoint;
import io.distillery.modelstore.SnapshotWriter;
import io.distillery.records.InputRecord;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.serving.ServeService;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.snapshot.SnapshotSlots;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.Await;
import io.distillery.testing.FakeClients;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.testing.SnapshotTopics;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 14's restart continuity on a real in-process broker: when the newest snapshot of a role's own model is
 * corrupt, or signed with a key no longer trusted, the role (student, trainer) resumes from the previous good
 * one and publishes a version above every version on the topic; with no good snapshot at all it refuses to
 * start unless {@code snapshot.allow.cold.start} is set, and then starts cold above every version seen.
 * Serving replicas, started before and after the bad snapshot, end on the same version.
 */
class RestartContinuityIT {
    private static final Duration WAIT = Duration.ofSeconds(60);
    /** A writer whose signing key the readers no longer trust (rotated out). */
    private static final SnapshotCodec ROTATED_OUT = new SnapshotCodec(SnapshotKeys.of(
        SnapshotFixtures.OTHER_SIGNING_PEM, SnapshotFixtures.OTHER_VERIFY_PEM, null));

    private final List<AutoCloseable> open = new ArrayList<>();
    private final Map<ServeService, RoleMetrics> replicaMetrics = new HashMap<>();
    private KafkaFixture.Cluster kafka;
    private Config config;

    @AfterEach
    void closeEverything() throws Exception {
        for (int i = open.size() - 1; i >= 0; i--) {
            open.get(i).close();
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    private void broker(Map<String, String> overrides) throws InterruptedException {
        kafka = KafkaFixture.dedicated();
        Map<String, String> settings = new HashMap<>(Map.of("serve.host", "127.0.0.1", "serve.port", "0"));
        settings.putAll(overrides);
        config = Pipelines.smallConfig(kafka.bootstrapServers(), settings);
        Pipelines.createTopics(config);
    }

    private <T extends AutoCloseable> T opened(T closeable) {
        open.add(closeable);
        return closeable;
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldResumeTheStudentFromThePreviousGoodSnapshotWhenTheNewestIsCorruptAndServeOneVersionOnEveryReplica()
        throws Exception {
        broker(Map.of());
        publishGood(Topics.TEACHER_SNAPSHOTS, Models.TEACHER, 1);
        for (long v = 1; v <= 3; v++) {
            publishGood(Topics.STUDENT_SNAPSHOTS, Models.STUDENT, v);
        }
        ServeService early = replica();
        awaitServed(early, 3);
        publishRaw(Topics.STUDENT_SNAPSHOTS, Models.STUDENT, 4, corrupted(encoded(Models.STUDENT, 4)));
        ServeService late = replica();
        awaitServed(late, 3);
        Await.until(() -> rejected(early) == 1, "the early replica refuses v4", WAIT);
        assertThat(early.state().currentVersion()).as("the early replica keeps v3").isEqualTo(3);
        assertThat(rejected(late)).as("the late replica tried v4 first, then took v3").isEqualTo(1);

        RoleMetrics metrics = opened(new RoleMetrics(Roles.STUDENT));
        FollowedModel teacher = opened(Loops.teacherSnapshots(config, metrics));
        StudentLoop student = opened(Loops.student(config, metrics, teacher));
        Await.until(() -> student.version() == 3, "the student resumed from v3", WAIT, student::failure);
        assertThat(count(metrics, "distill.resume.older")).isEqualTo(1);
        assertThat(count(metrics, "distill.resume.skipped", "reason", "checksum_mismatch")).isEqualTo(1);
        assertThat(count(metrics, "distill.resume.cold.starts")).isZero();

        publishLogits(200);
        Await.until(() -> student.version() >= 5, "a student snapshot after the restart", WAIT, student::failure);
        List<Long> verified = SnapshotTopics.verifiedVersions(kafka.bootstrapServers(),
            Topics.STUDENT_SNAPSHOTS.name(), Models.STUDENT, SnapshotFixtures.CODEC);
        assertThat(verified).as("v4 is never reused; the first one after the restart is v5").startsWith(1L, 2L, 3L, 5L)
            .doesNotContain(4L);
        // the student goes on replaying (and publishing) in its spare time: both replicas reach at least this version
        long last = student.version();
        Await.until(() -> early.state().currentVersion() >= last && late.state().currentVersion() >= last,
            "both replicas on v" + last + " or later", WAIT);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldResumeTheTrainerFromThePreviousGoodSnapshotWhenTheNewestIsSignedWithAKeyNoLongerTrusted()
        throws Exception {
        broker(Map.of("teacher.trainer.cpu.share", "1"));
        publishGood(Topics.TEACHER_SNAPSHOTS, Models.TEACHER, 1);
        publishGood(Topics.TEACHER_SNAPSHOTS, Models.TEACHER, 2);
        publish(Topics.TEACHER_SNAPSHOTS, Models.TEACHER, 3, ROTATED_OUT);
        Pipelines.produce(config, 400, 1.0, 14, 0, "");

        RoleMetrics metrics = opened(new RoleMetrics(Roles.TEACHER));
        Trainer trainer = opened(Loops.trainer(config, metrics, TrainerAdaptation.NONE));
        Await.until(() -> trainer.latest() != null && trainer.latest().version() >= 4, "a teacher after the restart",
            WAIT, trainer::failure);

        assertThat(count(metrics, "distill.resume.older")).isEqualTo(1);
        assertThat(count(metrics, "distill.resume.skipped", "reason", "untrusted_key"))
            .as("v3's checkpoint and snapshot").isEqualTo(2);
        assertThat(count(metrics, "distill.resume.cold.starts")).isZero();
        assertThat(SnapshotTopics.verifiedVersions(kafka.bootstrapServers(), Topics.TEACHER_SNAPSHOTS.name(),
            Models.TEACHER, SnapshotFixtures.CODEC)).as("the trusted teacher versions").startsWith(1L, 2L, 4L)
            .doesNotContain(3L);
        // the student's follower of the teacher takes the new version although v3 was never loaded
        RoleMetrics studentMetrics = opened(new RoleMetrics(Roles.STUDENT));
        FollowedModel followed = opened(Loops.teacherSnapshots(config, studentMetrics));
        assertThat(followed.awaitCaughtUp(WAIT)).isTrue();
        assertThat(followed.current().version()).isGreaterThanOrEqualTo(4);
    }

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldRefuseToStartColdOverSnapshotsOfWhichNoneVerifiesAndStartAboveThemWhenAllowed() throws Exception {
        broker(Map.of());
        publishGood(Topics.TEACHER_SNAPSHOTS, Models.TEACHER, 1);
        publish(Topics.STUDENT_SNAPSHOTS, Models.STUDENT, 1, ROTATED_OUT);
        publishRaw(Topics.STUDENT_SNAPSHOTS, Models.STUDENT, 2, corrupted(encoded(Models.STUDENT, 2)));
        ServeService early = replica();
        assertThat(early.follower().awaitCaughtUp(WAIT)).isTrue();
        assertThat(early.state().currentVersion()).as("nothing to serve").isEqualTo(-1);

        RoleMetrics refusedMetrics = opened(new RoleMetrics(Roles.STUDENT));
        FollowedModel teacher = opened(Loops.teacherSnapshots(config, refusedMetrics));
        StudentLoop refused = opened(Loops.student(config, refusedMetrics, teacher));
        Await.until(() -> refused.failure() != null, "the student refuses to start", WAIT);
        assertThat(refused.failure()).isInstanceOf(ResumePoint.ColdStartRefused.class)
            .hasMessageStartingWith("refusing to start student with a fresh network: 3 snapshot(s) of student on "
                + "distill.student.snapshots and distill.student.checkpoints, none verifies: ")
            .hasMessageContaining("v2 at offset 1: checksum_mismatch: ")
            .hasMessageContaining("checkpoint v1 at offset 0: untrusted_key: ")
            .hasMessageContaining("; v1 at offset 0: untrusted_key: ")
            .hasMessageEndingWith("set snapshot.allow.cold.start=true to start a fresh network at v3");
        assertThat(refused.health().healthy()).isFalse();
        assertThat(count(refusedMetrics, "distill.resume.cold.starts")).isZero();

        Config allowed = config.with(Map.of("snapshot.allow.cold.start", "true"));
        RoleMetrics metrics = opened(new RoleMetrics(Roles.STUDENT));
        FollowedModel teacherAgain = opened(Loops.teacherSnapshots(allowed, metrics));
        StudentLoop cold = opened(Loops.student(allowed, metrics, teacherAgain));
        publishLogits(200);
        Await.until(() -> cold.version() >= 3, "a student snapshot after the cold start", WAIT, cold::failure);
        assertThat(count(metrics, "distill.resume.cold.starts", "reason", "none_verified")).isEqualTo(1);
        assertThat(SnapshotTopics.verifiedVersions(kafka.bootstrapServers(), Topics.STUDENT_SNAPSHOTS.name(),
            Models.STUDENT, SnapshotFixtures.CODEC)).as("the cold student numbers above every version seen")
            .startsWith(3L);
        ServeService late = replica();
        // the student goes on replaying (and publishing) in its spare time: both replicas reach at least this version
        long last = cold.version();
        Await.until(() -> early.state().currentVersion() >= last && late.state().currentVersion() >= last,
            "both replicas on v" + last + " or later", WAIT);
    }

    private ServeService replica() {
        RoleMetrics metrics = opened(new RoleMetrics(Roles.SERVE));
        ServeService s = opened(new ServeService(config, metrics));
        replicaMetrics.put(s, metrics);
        s.start();
        return s;
    }

    private static void awaitServed(ServeService replica, long version) throws InterruptedException {
        Await.until(() -> replica.state().currentVersion() == version, "a replica serving v" + version, WAIT);
    }

    private double rejected(ServeService replica) {
        return count(replicaMetrics.get(replica), "distill.snapshots.rejected");
    }

    private static double count(RoleMetrics metrics, String name, String... tags) {
        return metrics.registry().find(name).tags(tags).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    /** Publishes a good snapshot of a fresh network through the role's own writer, as the role would. */
    private void publishGood(TopicSpec topic, String model, long version) {
        publish(topic, model, version, SnapshotFixtures.CODEC);
    }

    private void publish(TopicSpec topic, String model, long version, SnapshotCodec codec) {
        try (RoleMetrics m = new RoleMetrics();
             SnapshotWriter writer = new ModelStore(config, ClientFactory.KAFKA, codec, m, model, Clock.systemUTC())
                 .writer(topic, checkpoints(topic), model)) {
            assertThat(writer.publish(network(model), version, -1, Map.of())).isPresent();
        }
    }

    private static TopicSpec checkpoints(TopicSpec snapshots) {
        return snapshots.equals(Topics.TEACHER_SNAPSHOTS) ? Topics.TEACHER_CHECKPOINTS : Topics.STUDENT_CHECKPOINTS;
    }

    private void publishRaw(TopicSpec topic, String model, long version, byte[] message) {
        try (SnapshotPublisher publisher = SnapshotPublisher.create(config, topic)) {
            publisher.publish(SnapshotSlots.key(model, version, 5), message);
        }
    }

    /** A good snapshot message, as the role's writer would encode it, without publishing it. */
    private byte[] encoded(String model, long version) {
        MockProducer<byte[], byte[]> sink = FakeClients.producer();
        FakeClients once = new FakeClients();
        once.next(sink);
        once.next(FakeClients.producer());
        try (RoleMetrics m = new RoleMetrics();
             SnapshotWriter writer = new ModelStore(config, once, SnapshotFixtures.CODEC, m, model, Clock.systemUTC())
                 .writer(Topics.STUDENT_SNAPSHOTS, Topics.STUDENT_CHECKPOINTS, model)) {
            writer.publish(network(model), version, -1, Map.of());
        }
        return sink.history().get(0).value();
    }

    /**
     * The message with one byte of its middle (the model bytes) changed, as a bad disk or a bad copy would: the
     * model no longer hashes to the SHA-256 its signed manifest names.
     */
    private static byte[] corrupted(byte[] message) {
        byte[] copy = message.clone();
        copy[copy.length / 2] ^= 0x5a;
        return copy;
    }

    private Network network(String model) {
        return model.equals(Models.TEACHER) ? Network.teacher(TeacherSettings.from(config).network())
            : Network.student(StudentSettings.from(config).network(), StudentSettings.from(config).distillation());
    }

    /** Logits messages as the emitter writes them, from a seeded random teacher. */
    private void publishLogits(int count) {
        SplittableRandom random = new SplittableRandom(14);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
            for (int i = 0; i < count; i++) {
                float[] x = new float[16];
                float[] logits = new float[4];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) random.nextDouble();
                }
                for (int j = 0; j < logits.length; j++) {
                    logits[j] = (float) random.nextGaussian();
                }
                String id = "r-" + i;
                producer.send(new ProducerRecord<>(Topics.TEACHER_LOGITS.name(), id.getBytes(StandardCharsets.UTF_8),
                    LogitsCodec.encode(new LogitsMessage(id, System.currentTimeMillis(),
                        i % 2 == 0 ? random.nextInt(4) : InputRecord.NO_LABEL, 1, x, logits))));
            }
            producer.flush();
        }
    }
}
