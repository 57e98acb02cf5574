package io.distillery.bench;

import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.FollowedModel;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.testing.TempDirs;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicAdmin;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/** A fresh in-process broker with the topics, and helpers the benchmarks share. Close it when done. */
final class BenchRun implements AutoCloseable {

    final EmbeddedKafka kafka;
    private final Path dir;
    final Config config;
    final SnapshotCodec codec = SnapshotFixtures.CODEC;

    BenchRun(Map<String, String> settings) throws Exception {
        this(settings, 3);
    }

    /** As {@link #BenchRun(Map)}, with {@code partitions} partitions per partitioned topic. */
    BenchRun(Map<String, String> settings, int partitions) throws Exception {
        dir = Files.createTempDirectory("distill-bench");
        kafka = EmbeddedKafka.start(new EmbeddedKafka.Options(dir, 0,
            4L << 30, Duration.ofHours(2).toMillis()));
        Map<String, String> m = new HashMap<>(settings);
        m.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        m.putAll(SnapshotFixtures.keySettings());
        m.put("metrics.port", "0");
        config = Config.of(m);
        try (Admin admin = Admin.create(KafkaClients.admin(config))) {
            new TopicAdmin(admin, new TopicAdmin.Layout(partitions, (short) 1, Duration.ofHours(2).toMillis(), 1 << 25))
                .create(Topics.ALL);
        }
    }

    /** The newest verified snapshot of a model on its topic. */
    Network newest(TopicSpec topic, String model) throws InterruptedException {
        CheckedNetwork c = newestChecked(topic, model);
        return c == null ? null : c.network();
    }

    /** The newest verified snapshot of a model on its topic, with its ONNX graph. */
    CheckedNetwork newestChecked(TopicSpec topic, String model) throws InterruptedException {
        DataSettings data = DataSettings.from(config);
        try (RoleMetrics metrics = new RoleMetrics();
             FollowedModel f = new FollowedModel(config, topic, model, codec, data.features(), data.classes(), metrics,
                 "bench").start()) {
            f.awaitCaughtUp(Duration.ofMinutes(1));
            return f.current() == null ? null : f.current().checked();
        }
    }


    /** Microseconds per row of {@code logits()} on batches of {@code batch} rows, after a warm-up. */
    static double microsPerRow(Network n, float[][] rows, int batch) {
        float[][] b = java.util.Arrays.copyOf(rows, batch);
        for (int i = 0; i < 50; i++) {
            n.logits(b);
        }
        int reps = Math.max(50, 20_000 / batch);
        long t0 = System.nanoTime();
        for (int i = 0; i < reps; i++) {
            n.logits(b);
        }
        return (System.nanoTime() - t0) / 1e3 / reps / batch;
    }

    @Override
    public void close() {
        kafka.close();
        TempDirs.delete(dir);
    }
}
