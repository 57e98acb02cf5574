package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.config.Config;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.testing.FakeClients;
import io.distillery.testing.TrainedNetworks;
import io.distillery.topics.Topics;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class SnapshotWriterTest {
    private static final Map<String, String> PLAIN = Map.of("student.batch.size", "64",
        "kafka.ssl.keystore.location", "/etc/kafka/ks.p12");

    private static String hashWithSecrets(String secret) {
        Map<String, String> m = new HashMap<>(PLAIN);
        for (String k : new String[] {"snapshot.hmac.key", "serve.admin.token", "kafka.ssl.key.password",
            "kafka.ssl.keystore.password", "kafka.ssl.keystore.key", "kafka.ssl.truststore.password",
            "kafka.sasl.jaas.config", "kafka.producer.ssl.key.password"}) {
            m.put(k, secret + "-0123456789abcdef");
        }
        return SnapshotWriter.configHash(Config.of(m));
    }

    @Test
    void shouldLeaveSecretsOutOfTheConfigHash() {
        assertThat(hashWithSecrets("one")).isEqualTo(hashWithSecrets("two"))
            .isEqualTo(SnapshotWriter.configHash(Config.of(PLAIN)));
    }

    @Test
    void shouldHashSettingsThatAreNotSecret() {
        Map<String, String> other = new HashMap<>(PLAIN);
        other.put("kafka.ssl.keystore.location", "/etc/kafka/other.p12");
        assertThat(SnapshotWriter.configHash(Config.of(other))).isNotEqualTo(SnapshotWriter.configHash(Config.of(PLAIN)));
        other.put("kafka.ssl.keystore.location", "/etc/kafka/ks.p12");
        other.put("student.batch.size", "128");
        assertThat(SnapshotWriter.configHash(Config.of(other))).isNotEqualTo(SnapshotWriter.configHash(Config.of(PLAIN)));
    }

    @Test
    void shouldPublishTheOptimizerStateToTheCheckpointOnlyAndTrainFromItAsIfNeverStopped() throws Exception {
        Network trained = TrainedNetworks.student(TrainedNetworks.spec(12, List.of(16), 4, "relu", 3), 5);
        List<ProducerRecord<byte[], byte[]>> sent = published(trained, trained,
            Map.of("distill.teacher.logits-0", 40L));
        assertThat(sent.get(0).topic()).isEqualTo(Topics.STUDENT_SNAPSHOTS.name());
        assertThat(sent.get(1).topic()).isEqualTo(Topics.STUDENT_CHECKPOINTS.name());
        assertThat(sent.get(0).key()).isEqualTo(sent.get(1).key());
        Snapshot snapshot = SnapshotFixtures.CODEC.decode(sent.get(0).value());
        Snapshot checkpoint = SnapshotFixtures.CODEC.decode(sent.get(1).value());
        assertThat(checkpoint.manifest().id()).isEqualTo(snapshot.manifest().id());
        assertThat(checkpoint.manifest().version()).isEqualTo(7);
        assertThat(checkpoint.manifest().inputOffsets()).isEqualTo(snapshot.manifest().inputOffsets());
        assertThat(snapshot.hasOnnx()).isTrue();
        assertThat(checkpoint.hasOnnx()).as("the graph is the snapshot's, not written twice").isFalse();
        assertThat(entries(snapshot.modelBytes())).doesNotContain("updaterState.bin");
        assertThat(entries(checkpoint.modelBytes())).contains("updaterState.bin", "coefficients.bin");
        assertThat(checkpoint.modelSize()).isGreaterThan(snapshot.modelSize());

        float[][] x = TrainedNetworks.gaussianRows(16, 12, new Random(9));
        int[] y = new Random(10).ints(16, 0, 4).toArray();
        Network resumed = Network.fromBytes(checkpoint.modelBytes(), true);
        Network fresh = Network.fromBytes(snapshot.modelBytes(), snapshot.onnxBytes(), true);
        assertThat(resumed.logits(x)).isDeepEqualTo(trained.logits(x)).isDeepEqualTo(fresh.logits(x));
        for (int step = 0; step < 3; step++) {
            trained.fitHard(x, y);
            resumed.fitHard(x, y);
            fresh.fitHard(x, y);
        }
        assertThat(resumed.logits(x)).as("training goes on from the checkpoint as if it had not stopped")
            .isDeepEqualTo(trained.logits(x));
        assertThat(Arrays.deepEquals(fresh.logits(x), trained.logits(x)))
            .as("from the snapshot alone the optimizer state starts fresh, and the steps differ").isFalse();
    }

    @Test
    void shouldCheckpointTheNetworkTrainedAndPublishItsAverage() throws Exception {
        Network trained = TrainedNetworks.student(TrainedNetworks.spec(12, List.of(16), 4, "relu", 3), 5);
        Network average = TrainedNetworks.student(TrainedNetworks.spec(12, List.of(16), 4, "relu", 4), 5);
        List<ProducerRecord<byte[], byte[]>> sent = published(average, trained, Map.of());
        Snapshot snapshot = SnapshotFixtures.CODEC.decode(sent.get(0).value());
        Snapshot checkpoint = SnapshotFixtures.CODEC.decode(sent.get(1).value());
        float[][] x = TrainedNetworks.gaussianRows(4, 12, new Random(9));

        assertThat(Network.fromBytes(snapshot.modelBytes(), snapshot.onnxBytes(), true).logits(x))
            .isDeepEqualTo(average.logits(x));
        assertThat(Network.fromBytes(checkpoint.modelBytes()).logits(x)).isDeepEqualTo(trained.logits(x));
        assertThat(snapshot.manifest().probeLogits()).as("the published network's, signed").isNotEmpty();
        assertThat(checkpoint.manifest().probeLogits()).as("not the checkpoint's network's: none").isEmpty();
        SnapshotVerifier.checked(checkpoint);
    }

    @Test
    void shouldCarryTheWeightsOnceInFormat5AndTwiceInFormat4() throws Exception {
        Network trained = TrainedNetworks.student(TrainedNetworks.spec(12, List.of(16), 4, "relu", 3), 5);
        Snapshot once = SnapshotFixtures.CODEC.decode(published(trained, trained, Map.of()).get(0).value());
        Snapshot twice = SnapshotFixtures.CODEC.decode(published(trained, trained, Map.of(),
            new SnapshotCodec(SnapshotFixtures.KEYS, 4)).get(0).value());
        float[][] x = TrainedNetworks.gaussianRows(4, 12, new Random(9));

        assertThat(entries(once.modelBytes())).as("the graph's initializers are the weights")
            .doesNotContain("coefficients.bin");
        assertThat(entries(twice.modelBytes())).as("for readers older than format 5").contains("coefficients.bin");
        assertThat(once.modelSize() + once.onnxSize()).isLessThan(twice.modelSize() + twice.onnxSize() * 6 / 10);
        assertThat(Network.fromBytes(twice.modelBytes()).logits(x)).isDeepEqualTo(trained.logits(x));
        assertThat(SnapshotVerifier.checked(once).network().logits(x)).isDeepEqualTo(trained.logits(x));
        assertThatThrownBy(() -> Network.fromBytes(once.modelBytes()))
            .hasMessageContaining("weights are in its ONNX graph, and there is none");
    }

    /** What one {@code publish} of version 7 sends: the snapshot, then the checkpoint, each by its own producer. */
    private static List<ProducerRecord<byte[], byte[]>> published(Network published, Network trained,
                                                                  Map<String, Long> offsets) {
        return published(published, trained, offsets, SnapshotFixtures.CODEC);
    }

    private static List<ProducerRecord<byte[], byte[]>> published(Network published, Network trained,
                                                                  Map<String, Long> offsets, SnapshotCodec codec) {
        FakeClients clients = new FakeClients();
        MockProducer<byte[], byte[]> snapshots = clients.next(FakeClients.producer());
        MockProducer<byte[], byte[]> checkpoints = clients.next(FakeClients.producer());
        try (RoleMetrics metrics = new RoleMetrics("student");
             SnapshotWriter writer = new SnapshotWriter(Config.of(Map.of("kafka.bootstrap.servers", "mock:9092")),
                 clients, Topics.STUDENT_SNAPSHOTS, Topics.STUDENT_CHECKPOINTS, "student", "student",
                 codec, metrics, Clock.systemUTC())) {
            assertThat(writer.publish(published, trained, 7, 3, offsets)).isPresent();
        }
        assertThat(snapshots.history()).hasSize(1);
        assertThat(checkpoints.history()).hasSize(1);
        return List.of(snapshots.history().get(0), checkpoints.history().get(0));
    }

    private static List<String> entries(byte[] zip) throws IOException {
        List<String> names = new ArrayList<>();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                names.add(e.getName());
            }
        }
        return names;
    }
}
