package io.distillery.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.Pacer;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.RecordSource;
import io.distillery.ingest.SyntheticStream;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.service.ServiceLoop;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.student.StudentLoop;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicAdmin;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;

/** Small, fast pipeline settings and helpers shared by the role integration tests. */
public final class Pipelines {
    private Pipelines() {
    }

    /** A 16-feature, 4-class setup with small networks and frequent snapshots. */
    public static Config smallConfig(String bootstrap, Map<String, String> overrides) {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", bootstrap);
        m.put("data.features", "16");
        m.put("data.classes", "4");
        m.putAll(SnapshotFixtures.keySettings());
        m.put("metrics.port", "0");
        m.put("teacher.hidden", "64,32");
        m.put("teacher.batch.size", "64");
        m.put("teacher.buffer.size", "5000");
        m.put("teacher.replay.ratio", "8");
        m.put("teacher.snapshot.every.steps", "40");
        m.put("teacher.snapshot.every.ms", "1000");
        m.put("student.hidden", "16");
        m.put("student.batch.size", "64");
        m.put("student.buffer.size", "4000");
        m.put("student.learning.rate", "0.005");
        m.put("student.snapshot.every.steps", "100");
        m.put("student.snapshot.every.ms", "1000");
        // pipelines here wait for the newest student to be served; PromotionIT covers the shadow mode
        m.put("serve.promotion", "immediate");
        m.putAll(overrides);
        return Config.of(m);
    }

    public static void createTopics(Config config) throws InterruptedException {
        createTopics(config, Topics.ALL);
    }

    /** Creates {@code topics} with the layout of the test pipelines (3 partitions unless the spec says, 1 replica). */
    public static void createTopics(Config config, Collection<TopicSpec> topics) throws InterruptedException {
        try (Admin admin = Admin.create(KafkaClients.admin(config))) {
            new TopicAdmin(admin, new TopicAdmin.Layout(3, (short) 1, 3_600_000L, 1 << 25)).create(topics);
        }
    }

    /** Publishes synthetic records (as {@code produce synthetic} does); returns the summary. */
    public static Publisher.Summary produce(Config config, long count, double labeledFraction, long seed,
                                            double faultRate, String drift) throws InterruptedException {
        return produce(config, count, labeledFraction, seed, faultRate, drift, 0);
    }

    /**
     * Publishes the next {@code count} records of {@code source} as {@code produce} does, breaking a
     * {@code faultRate} share on purpose, at {@code rate} records/s (0 = unpaced).
     */
    public static Publisher.Summary produceFrom(Config config, RecordSource source, long count, double labeledFraction,
                                                long seed, double faultRate, double rate) throws InterruptedException {
        InputCodec codec = new InputCodec(DataSettings.from(config));
        try (RoleMetrics metrics = new RoleMetrics();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
            Publisher p = new Publisher(producer, codec, new DeadLetters(producer, "produce", metrics), metrics,
                new Publisher.Options(count, labeledFraction, rate, seed, faultRate), System::nanoTime);
            return p.run(source, Pacer.system(rate), s -> { }, Long.MAX_VALUE);
        }
    }

    /** A synthetic stream of the configured shape. */
    public static SyntheticStream stream(Config config, long seed, String drift) {
        DataSettings data = DataSettings.from(config);
        return new SyntheticStream(SyntheticStream.Params.of(data.features(), data.classes(), seed),
            DriftSchedule.parse(drift), Clock.systemUTC());
    }

    /** As {@link #produce(Config, long, double, long, double, String)}, at {@code rate} records/s (0 = unpaced). */
    public static Publisher.Summary produce(Config config, long count, double labeledFraction, long seed,
                                            double faultRate, String drift, double rate) throws InterruptedException {
        return produceFrom(config, stream(config, seed, drift), count, labeledFraction, seed, faultRate, rate);
    }

    /** Waits until the student has processed {@code valid} records (or 4 minutes), failing if any loop failed. */
    public static void awaitStudent(ServiceLoop trainer, ServiceLoop emitter, StudentLoop student, long valid)
            throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
        while (student.processed() < valid && System.nanoTime() < deadline) {
            assertThat(trainer.failure()).isNull();
            assertThat(emitter.failure()).isNull();
            assertThat(student.failure()).isNull();
            Thread.sleep(200);
        }
        assertThat(student.processed()).isEqualTo(valid);
    }
}
