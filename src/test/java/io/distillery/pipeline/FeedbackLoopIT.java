package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.FeedbackSettings;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.feedback.MonitorService;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.AdaptiveTraining;
import io.distillery.teacher.DriftResponse;
import io.distillery.teacher.EmissionPolicy;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.FeedbackFollower;
import io.distillery.teacher.Trainer;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Monitor and teacher exchange feedback on a real broker; the emission share moves both ways. */
class FeedbackLoopIT {
    @TempDir
    Path tmp;

    @Test
    void shouldShrinkEmissionWhenStudentAgreesAndRestoreItOnDrift() throws Exception {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
                "monitor.window.ms", "1000", "monitor.grace.ms", "500",
                "monitor.state.dir", tmp.resolve("monitor-state").toString(),
                "feedback.min.window.records", "50"));
            Pipelines.createTopics(config);
            SnapshotCodec codec = SnapshotFixtures.CODEC;
            RoleMetrics metrics = new RoleMetrics();
            FeedbackSettings feedback = FeedbackSettings.from(config);
            EmissionPolicy policy = new EmissionPolicy(feedback, metrics);
            DriftResponse drift = new DriftResponse(feedback, metrics);
            TeacherSettings teacherSettings = TeacherSettings.from(config);
            List<Double> shares = new ArrayList<>();
            try (FeedbackFollower follower = Loops.feedback(config, metrics,
                     List.of(policy::onFeedback, drift::onFeedback));
                 MonitorService monitor = new MonitorService(config, metrics);
                 Trainer trainer = Loops.trainer(config, metrics,
                     new AdaptiveTraining(drift, teacherSettings.network().learningRate()));
                 Emitter emitter = Loops.emitter(config, metrics, trainer::latest, policy);
                 FollowedModel teacher = Loops.teacherSnapshots(config, metrics);
                 StudentLoop student = Loops.student(config, metrics, teacher)) {
                follower.start();
                monitor.start();
                Thread producer = new Thread(() -> produceWithPause(config));
                producer.start();
                long deadline = System.nanoTime() + Duration.ofMinutes(4).toNanos();
                double minShare = 1.0;
                boolean restoredOnDrift = false;
                while (System.nanoTime() < deadline && !restoredOnDrift) {
                    Thread.sleep(100);
                    double s = policy.share();
                    shares.add(s);
                    if (driftPublishedAtMs == 0) {
                        minShare = Math.min(minShare, s);
                        stableReached = minShare < 0.5;
                    } else {
                        restoredOnDrift = minShare < 0.5 && policy.inDriftResponse() && s == 1.0;
                    }
                    assertThat(monitor.isRunning()).isTrue();
                    assertThat(emitter.failure()).isNull();
                }
                producer.interrupt();
                assertThat(minShare).as("share in the stable phase, samples %s", shares).isLessThan(0.5);
                assertThat(restoredOnDrift).as("share back at 1 in a drift response after the drift, samples %s", shares)
                    .isTrue();
                assertThat(metrics.scrape()).contains("distill_drift_responses_total{loop=\"emitter\",role=\"teacher\"}")
                    .containsPattern("distill_logits_skipped_total\\{role=\"teacher\"} [1-9]");
            }
            metrics.close();
        }
    }

    private static volatile long driftPublishedAtMs;
    private static volatile boolean stableReached;

    /**
     * One concept at 2,000 records/s until the emission share has shrunk (however long the pipeline
     * takes to get there on a loaded machine), then the next concept: an abrupt drift.
     */
    private static void produceWithPause(Config config) {
        try {
            var stable = Pipelines.stream(config, 7, "");
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (!stableReached && System.nanoTime() < deadline) {
                Pipelines.produceFrom(config, stable, 1000, 0.2, 7, 0, 2000);
            }
            driftPublishedAtMs = System.currentTimeMillis();
            var drifted = Pipelines.stream(config, 7, "abrupt@0");
            while (!Thread.currentThread().isInterrupted() && System.nanoTime() < deadline + Duration.ofMinutes(1).toNanos()) {
                Pipelines.produceFrom(config, drifted, 1000, 0.2, 8, 0, 2000);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
