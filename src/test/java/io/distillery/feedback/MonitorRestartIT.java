package io.distillery.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.MonitorSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.EvalCodec;
import io.distillery.records.EvalMessage;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import io.distillery.spec.DriftSignal;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Pipelines;
import io.distillery.topics.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The monitor's detectors carry on across a restart on another machine: a monitor processes the first half of a
 * sequence of evaluations and stops; a new one, with an empty state directory (a new pod), restores its in-memory
 * stores from their changelog topics and processes the second half; the drift reports then name the positions at
 * which the detectors fire over the whole sequence in one go.
 */
class MonitorRestartIT {
    private static final int HALF = 600;

    @TempDir
    Path tmp;

    @Test
    void shouldRestoreTheDetectorsFromTheChangelogIntoANewStateDirectory() throws Exception {
        // the teacher's error rate jumps from 0.2 to 0.8 at 600 and the KL from 0.1 to 0.3 at 900: both detectors
        // of the error fire after the restart, and only after it
        double[] errors = new double[2 * HALF];
        double[] kl = new double[errors.length];
        for (int i = 0; i < errors.length; i++) {
            errors[i] = i < HALF ? (i % 5 == 0 ? 1 : 0) : (i % 5 == 0 ? 0 : 1);
            kl[i] = i < 900 ? 0.1 + 0.01 * (i % 3) : 0.3 + 0.01 * (i % 3);
        }
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config first = config(kafka, "first");
            Pipelines.createTopics(first);
            MonitorSettings settings = MonitorSettings.from(first);
            String changelog = settings.applicationId() + "-" + MonitorTopology.DETECTOR_STORE + "-changelog";
            long base = System.currentTimeMillis() - 600_000;

            publish(kafka, errors, kl, 0, HALF, base);
            try (RoleMetrics metrics = new RoleMetrics(); MonitorService monitor = new MonitorService(first, metrics)) {
                monitor.start();
                assertThat(awaitPosition(kafka, changelog, HALF)).as("detector position before the stop").isEqualTo(HALF);
            }
            assertThat(drifts(kafka)).as("drift reports before the restart").isEmpty();

            Config second = config(kafka, "second");
            assertThat(tmp.resolve("second")).as("the new monitor's state directory before it starts").doesNotExist();
            publish(kafka, errors, kl, HALF, errors.length, base);
            try (RoleMetrics metrics = new RoleMetrics(); MonitorService monitor = new MonitorService(second, metrics)) {
                monitor.start();
                assertThat(awaitPosition(kafka, changelog, errors.length)).as("detector position after the restart")
                    .isEqualTo(errors.length);
            }

            List<DriftSignal> drifts = drifts(kafka);
            assertThat(Detections.reported(drifts, Adwin.NAME, DriftSignal.TEACHER_ERROR))
                .isEqualTo(Detections.of(new Adwin(settings.adwinDelta()), errors)).isNotEmpty();
            assertThat(Detections.reported(drifts, PageHinkley.NAME, DriftSignal.TEACHER_ERROR))
                .isEqualTo(Detections.of(new PageHinkley(settings.phMinInstances(), settings.phDelta(),
                    settings.phLambda(), settings.phAlpha()), errors)).isNotEmpty();
            assertThat(Detections.reported(drifts, Adwin.NAME, DriftSignal.DIVERGENCE))
                .isEqualTo(Detections.of(new Adwin(settings.adwinDelta()), kl)).isNotEmpty();
        }
    }

    private Config config(KafkaFixture.Cluster kafka, String stateDir) {
        return Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
            "monitor.state.dir", tmp.resolve(stateDir).toString()));
    }

    /** Labeled evaluations {@code from} to {@code to}, in order on one partition (the detectors see arrival order). */
    private static void publish(KafkaFixture.Cluster kafka, double[] errors, double[] kl, int from, int to, long base) {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(Map.of("bootstrap.servers", kafka.bootstrapServers()),
            new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = from; i < to; i++) {
                int teacher = errors[i] == 1.0 ? 1 : 0;
                EvalMessage e = new EvalMessage("r" + i, base + i * 10L, 1, 1, 0, teacher, teacher, kl[i]);
                p.send(new ProducerRecord<>(Topics.STUDENT_EVALS.name(), 0, e.recordId().getBytes(StandardCharsets.UTF_8),
                    EvalCodec.encode(e)));
            }
        }
    }

    /** The detector position committed to the changelog, once it reaches {@code expected} (or after 2 minutes). */
    private static long awaitPosition(KafkaFixture.Cluster kafka, String changelog, long expected) {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        long position = -1;
        while (position < expected && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(kafka.bootstrapServers(), List.of(changelog),
                1, Duration.ofMillis(500), Duration.ofSeconds(5))) {
                if (new String(r.key(), StandardCharsets.UTF_8).equals(DriftProcessor.POSITION) && r.value() != null) {
                    position = ByteBuffer.wrap(r.value()).getLong();
                }
            }
        }
        return position;
    }

    private static List<DriftSignal> drifts(KafkaFixture.Cluster kafka) {
        List<DriftSignal> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(kafka.bootstrapServers(),
            List.of(Topics.FEEDBACK.name()), 0, Duration.ofSeconds(1), Duration.ofSeconds(10))) {
            FeedbackMessage m = FeedbackCodec.decode(r.value());
            if (!m.isWindow()) {
                out.addAll(m.drifts());
            }
        }
        return out;
    }
}
