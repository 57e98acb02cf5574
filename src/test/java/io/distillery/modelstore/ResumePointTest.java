package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.model.WeightAverage;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.testing.FakeClients;
import io.distillery.testing.FakeClients.PacedConsumer;
import io.distillery.testing.TrainedNetworks;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Where a student resumes, read through {@link ModelStore#resume} from mock consumers of its snapshot and checkpoint
 * topics holding what its own {@link SnapshotWriter} wrote: the network it trained (from the checkpoint) and the
 * weight average it published (from the snapshot of the same version).
 */
class ResumePointTest {
    private static final Config CONFIG = Config.of(Map.of("kafka.bootstrap.servers", "mock:9092"));
    private static final TopicPartition INPUT = new TopicPartition(Topics.TEACHER_LOGITS.name(), 0);
    private static final float[][] ROWS = TrainedNetworks.gaussianRows(8, 12, new Random(5));

    private final RoleMetrics metrics = new RoleMetrics("student");
    private final Network trained = TrainedNetworks.student(TrainedNetworks.spec(12, List.of(16), 4, "relu", 3), 3);
    private final WeightAverage average = new WeightAverage(0.9);

    @AfterEach
    void close() {
        metrics.close();
    }

    /** The snapshot and the checkpoint of one version: the average published, the network trained. */
    private List<byte[]> written(long version) {
        FakeClients clients = new FakeClients();
        MockProducer<byte[], byte[]> snapshots = clients.next(FakeClients.producer());
        MockProducer<byte[], byte[]> checkpoints = clients.next(FakeClients.producer());
        try (SnapshotWriter writer = new SnapshotWriter(CONFIG, clients, Topics.STUDENT_SNAPSHOTS,
            Topics.STUDENT_CHECKPOINTS, "student", "student", SnapshotFixtures.CODEC, metrics, Clock.systemUTC())) {
            assertThat(writer.publish(average.emitted(trained), trained, version, -1,
                Map.of(INPUT.toString(), 10 * version))).isPresent();
        }
        return List.of(snapshots.history().get(0).value(), checkpoints.history().get(0).value());
    }

    private void train(int steps) {
        Random random = new Random(steps);
        for (int s = 0; s < steps; s++) {
            trained.fitHard(TrainedNetworks.gaussianRows(16, 12, random), random.ints(16, 0, 4).toArray());
            average.update(trained);
        }
    }

    private ResumePoint resume(List<byte[]> snapshots, List<byte[]> checkpoints) throws InterruptedException {
        FakeClients clients = new FakeClients();
        topic(clients, Topics.STUDENT_SNAPSHOTS.name(), snapshots);
        topic(clients, Topics.STUDENT_CHECKPOINTS.name(), checkpoints);
        PacedConsumer input = FakeClients.consumerOf(Map.of(INPUT.topic(), 100L));
        return new ModelStore(CONFIG, clients, SnapshotFixtures.CODEC, metrics, "student", Clock.systemUTC())
            .resume(Topics.STUDENT_SNAPSHOTS, Topics.STUDENT_CHECKPOINTS, "student", 12, 4, input, List.of(INPUT));
    }

    private static void topic(FakeClients clients, String topic, List<byte[]> messages) {
        PacedConsumer c = clients.next(FakeClients.consumerOf(Map.of(topic, (long) messages.size())));
        c.schedulePollTask(() -> {
            for (int i = 0; i < messages.size(); i++) {
                byte[] key = ("student/" + (i + 1)).getBytes(StandardCharsets.UTF_8);
                c.addRecord(new ConsumerRecord<>(topic, 0, i, key, messages.get(i)));
            }
        });
    }

    /** Versions 1 and 2, five steps apart: each one's snapshot and checkpoint. */
    private List<List<byte[]>> twoVersions() {
        train(5);
        List<byte[]> v1 = written(1);
        train(5);
        return List.of(v1, written(2));
    }

    @Test
    void shouldTrainOnTheCheckpointsNetworkAndAverageFromTheSnapshotOfItsVersion() throws Exception {
        List<List<byte[]>> v = twoVersions();
        List<byte[]> v1 = v.get(0);
        List<byte[]> v2 = v.get(1);

        ResumePoint.Restored r = resume(List.of(v1.get(0), v2.get(0)), List.of(v1.get(1), v2.get(1))).restored()
            .orElseThrow();

        assertThat(r.version()).isEqualTo(2);
        assertThat(r.fromCheckpoint()).isTrue();
        assertThat(r.network().logits(ROWS)).as("the network trained").isDeepEqualTo(trained.logits(ROWS));
        assertThat(r.published().network().logits(ROWS)).as("the average published")
            .isDeepEqualTo(average.emitted(trained).logits(ROWS));
        assertThat(Arrays.deepEquals(r.published().network().logits(ROWS), trained.logits(ROWS))).isFalse();
        assertThat(r.published().onnx()).isNotEmpty();
        assertThat(r.offsets()).containsEntry(INPUT, 20L);
        assertThat(starts("checkpoint")).isEqualTo(1);
        assertThat(starts("snapshot")).isZero();
    }

    @Test
    void shouldCountAResumeFromASnapshotWhenNoCheckpointOfItsVersionOrANewerOneIsThere() throws Exception {
        List<List<byte[]>> v = twoVersions();

        ResumePoint.Restored r = resume(List.of(v.get(0).get(0), v.get(1).get(0)), List.of(v.get(0).get(1)))
            .restored().orElseThrow();

        assertThat(r.version()).isEqualTo(2);
        assertThat(r.fromCheckpoint()).isFalse();
        assertThat(starts("snapshot")).isEqualTo(1);
        assertThat(metrics.registry().find("distill.resume.starts").tag("source", "checkpoint").counter())
            .as("the other source's series, at 0, for the dashboard to read").isNotNull();
        assertThat(starts("checkpoint")).isZero();
    }

    private double starts(String source) {
        return metrics.registry().find("distill.resume.starts").tags("model", "student", "source", source).counters()
            .stream().mapToDouble(c -> c.count()).sum();
    }

    @Test
    void shouldTakeTheCheckpointsNetworkAsPublishedWhenItsSnapshotIsMissing() throws Exception {
        List<List<byte[]>> v = twoVersions();

        ResumePoint.Restored r = resume(List.of(v.get(0).get(0)), List.of(v.get(0).get(1), v.get(1).get(1)))
            .restored().orElseThrow();

        assertThat(r.version()).isEqualTo(2);
        assertThat(r.fromCheckpoint()).isTrue();
        assertThat(r.published().network().logits(ROWS)).isDeepEqualTo(trained.logits(ROWS));
    }
}
