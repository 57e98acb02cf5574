package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.ingest.SyntheticStream;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.model.PerturbedNetworks;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.teacher.CandidateTransform;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.Await;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.testing.TrainedNetworks;
import io.distillery.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/**
 * The trainer's publish gate on a real broker: candidate teachers made worse on purpose (noise on every
 * weight, between training and the gate) are refused and never reach {@code distill.teacher.snapshots}, while
 * the genuine candidates after them are published; a restarted trainer refills its held-out window from the
 * topic and refuses a worse candidate at its very first attempt.
 */
class TeacherGateIT {
    private static final Map<String, String> GATE = Map.of(
        "teacher.bootstrap.epochs", "3",
        "teacher.gate.holdout", "5", "teacher.gate.window", "400", "teacher.gate.min.rows", "100",
        "teacher.gate.tolerance", "0.02",
        "teacher.snapshot.every.steps", "20", "teacher.snapshot.every.ms", "500");
    private static final Duration TIMEOUT = Duration.ofMinutes(3);
    private static final float[][] PROBE = TrainedNetworks.gaussianRows(32, 16, new Random(3));

    @Test
    void shouldRefuseCandidatesMadeWorseAndPublishTheGenuineOnesAfterThem() throws Exception {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), GATE);
            Pipelines.createTopics(config);
            SyntheticStream source = Pipelines.stream(config, 11, "");
            // The history: the trainer bootstraps on it (attempt 1, published ungated) and holds out its window.
            Pipelines.produceFrom(config, source, 6000, 1.0, 11, 0, 0);
            Perturbing worse = new Perturbing(Set.of(2L, 3L, 4L));
            long lastVersion;
            long published;
            try (RoleMetrics metrics = new RoleMetrics()) {
                Trainer trainer = Loops.trainer(config, metrics, TrainerAdaptation.NONE, worse);
                try (trainer) {
                    Await.until(() -> trainer.latest() != null, "the bootstrapped teacher", TIMEOUT, trainer::failure);
                    assertThat(trainer.latest().version()).isEqualTo(1);
                    // Enough for five attempts however the polls cut it: the trainer takes up to 1,024 records a
                    // poll and judges at most one candidate after each, and 4,000 records once fell in four polls.
                    Pipelines.produceFrom(config, source, 8000, 1.0, 11, 0, 0);
                    Await.until(() -> worse.attempts() >= 4 && trainer.latest().version() >= 3,
                        "the perturbed attempts and two genuine teachers after them", TIMEOUT, trainer::failure);
                    assertThat(trainer.heldOut()).as("stream records held out").isPositive();
                }
                // after close: a trainer stopped with records learned since its last snapshot publishes them then
                lastVersion = trainer.latest().version();
                assertThat(refused(metrics)).as("candidates refused").isGreaterThanOrEqualTo(3);
                assertThat(gateAccuracy(metrics, "published")).isGreaterThan(0.8);
                published = (long) metrics.registry().get("distill.snapshots.published").tag("model", "teacher")
                    .counter().count();
            }

            // Restart: the window comes back from the records before the resume point; attempt 1 is judged.
            Perturbing worseAtOnce = new Perturbing(Set.of(1L));
            try (RoleMetrics metrics = new RoleMetrics()) {
                try (Trainer trainer = Loops.trainer(config, metrics, TrainerAdaptation.NONE, worseAtOnce)) {
                    Await.until(() -> trainer.latest() != null, "the resumed teacher", TIMEOUT, trainer::failure);
                    Pipelines.produceFrom(config, source, 2000, 1.0, 11, 0, 0);
                    Await.until(() -> trainer.latest().version() > lastVersion, "a genuine teacher after the restart",
                        TIMEOUT, trainer::failure);
                }
                assertThat(refused(metrics)).as("the first candidate after the restart refused").isGreaterThanOrEqualTo(1);
                published += (long) metrics.registry().get("distill.snapshots.published").tag("model", "teacher")
                    .counter().count();
            }

            List<float[][]> perturbed = new ArrayList<>(worse.perturbed);
            perturbed.addAll(worseAtOnce.perturbed);
            assertThat(perturbed).hasSize(4);
            List<Snapshot> snapshots = snapshots(kafka.bootstrapServers(), published);
            assertThat(snapshots).hasSize((int) published);
            for (Snapshot s : snapshots) {
                float[][] logits = Network.fromBytes(s.modelBytes(), s.onnxBytes(), true).logits(PROBE);
                assertThat(perturbed).as("teacher v%d is a perturbed candidate", s.manifest().version())
                    .noneMatch(p -> Arrays.deepEquals(p, logits));
            }
        }
    }

    private static double refused(RoleMetrics metrics) {
        return metrics.registry().get("distill.teacher.gate.refused").counter().count();
    }

    private static double gateAccuracy(RoleMetrics metrics, String teacher) {
        return metrics.registry().get("distill.teacher.gate.accuracy").tag("teacher", teacher).gauge().value();
    }

    private static List<Snapshot> snapshots(String bootstrap, long expected) throws Exception {
        List<Snapshot> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(bootstrap,
            List.of(Topics.TEACHER_SNAPSHOTS.name()), expected, Duration.ofSeconds(1), Duration.ofSeconds(30))) {
            out.add(SnapshotFixtures.CODEC.decode(r.value()));
        }
        return out;
    }

    /** Adds heavy noise to the candidates of the given attempts and remembers their logits on a probe batch. */
    private static final class Perturbing implements CandidateTransform {
        private final Set<Long> worse;
        private final List<float[][]> perturbed = new CopyOnWriteArrayList<>();
        private volatile long attempts;

        Perturbing(Set<Long> worse) {
            this.worse = worse;
        }

        @Override
        public Network apply(Network candidate, long attempt) {
            attempts = attempt;
            if (!worse.contains(attempt)) {
                return candidate;
            }
            Network bad = PerturbedNetworks.perturbed(candidate, 0.5, attempt);
            perturbed.add(bad.logits(PROBE));
            return bad;
        }

        long attempts() {
            return attempts;
        }
    }
}
