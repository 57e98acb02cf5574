package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.testing.ChildRoles;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.Pipelines;
import io.distillery.testing.RoleEndpoints;
import io.distillery.testing.RoleProcess;
import io.distillery.testing.SnapshotTopics;
import io.distillery.topics.Offsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's outage requirement: every role runs as a child JVM from the shaded jar (the teacher's trainer
 * and emitter apart, student, monitor, serve, and produce publishing a paced synthetic stream) against the
 * in-process broker, which is stopped for {@value #OUTAGE_SECONDS} s mid-stream and started again on the
 * same data directory and port; the trainer and the student are restarted as it stops, so they start while
 * it is away, and the others live through it. No role exits by itself (produce finishes with status 0); while the broker is away every
 * role's {@code /health} is 503 naming the wait on the broker; afterwards every valid input record has exactly one
 * committed logit, the trainer's newest snapshot has consumed every labeled record, the student has
 * consumed every logit and published after the outage, serving serves a student published after it, the
 * monitor writes feedback again and every {@code /health} answers 200.
 *
 * <p>Always the in-process broker, also where Docker exists: the test stops and restarts it. Feedback is
 * off so that every unlabeled record gets its logit. Child logs: {@code target/broker-restart-it/}.
 */
class BrokerRestartIT {
    private static final int OUTAGE_SECONDS = 60;
    private static final int RECORDS = 24_000;
    private static final int RATE = 150;
    private static final Path LOGS = Path.of("target", "broker-restart-it");

    @TempDir
    Path dir;

    private final ChildRoles roles = new ChildRoles(LOGS);
    private EmbeddedKafka kafka;

    @AfterEach
    void stopEverything() {
        roles.close();
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Timeout(value = 8, unit = TimeUnit.MINUTES)
    void shouldCarryOnWithoutExitingOrLosingARecordWhenTheBrokerIsAwayForAMinute() throws Exception {
        roles.clearLogs();
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir.resolve("kafka")));
        String bootstrap = kafka.bootstrapServers();
        int servePort = RoleEndpoints.freePort();
        Map<String, String> settings = new HashMap<>(Pipelines.smallConfig(bootstrap, Map.of(
            "feedback.enabled", "false", "health.stuck.ms", "20000", "serve.port", Integer.toString(servePort),
            "monitor.state.dir", dir.resolve("monitor-state").toString(),
            "teacher.snapshot.every.ms", "2000", "student.snapshot.every.ms", "2000")).explicitValues());
        Config config = Pipelines.smallConfig(bootstrap, settings);
        Pipelines.createTopics(config);
        SnapshotCodec codec = SnapshotFixtures.CODEC;

        RoleProcess trainer = roles.withMetrics("trainer", List.of("teacher", "--only", "trainer"), settings);
        RoleProcess emitter = roles.withMetrics("emitter", List.of("teacher", "--only", "emitter"), settings);
        RoleProcess student = roles.withMetrics("student", List.of("student"), settings);
        RoleProcess monitor = roles.withMetrics("monitor", List.of("monitor"), settings);
        RoleProcess serve = roles.withMetrics("serve", List.of("serve"), settings);
        RoleProcess produce = roles.add("produce", List.of("produce", "synthetic", "--count", Integer.toString(RECORDS),
            "--rate", Integer.toString(RATE), "--labeled-fraction", "0.3", "--seed", "13", "--quiet"), settings);
        roles.startAll();
        student.awaitOutput("StudentLoop - student snapshot v", Duration.ofMinutes(2));
        long servedBefore = RoleEndpoints.awaitServedVersion(servePort, v -> v > 0, Duration.ofMinutes(1));

        // the trainer and the student also start while the broker is away: their start-up must wait too; the
        // emitter goes through the outage mid-stream
        trainer.kill();
        student.kill();
        long stoppedAt = System.nanoTime();
        kafka.close();
        trainer.start();
        student.start();
        System.out.printf("BrokerRestartIT: broker stopped, trainer and student restarted; serving v%d%n",
            servedBefore);
        Thread.sleep(Duration.ofSeconds(OUTAGE_SECONDS - 15).toMillis());
        Map<String, String> duringOutage = healthOfAll();
        Thread.sleep(Duration.ofSeconds(15).toMillis());
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir.resolve("kafka")));
        assertThat(kafka.bootstrapServers()).as("address after the restart").isEqualTo(bootstrap);
        System.out.printf("BrokerRestartIT: broker back after %.1f s%n", (System.nanoTime() - stoppedAt) / 1e9);
        long restartedAt = System.nanoTime();
        long feedbackAtRestart = endOffset(bootstrap, "distill.feedback");
        // watched from now on, so the time printed is when feedback came back, not when the checks below reach it
        CompletableFuture<Long> feedbackBack = CompletableFuture.supplyAsync(
            () -> firstTimeAbove(bootstrap, "distill.feedback", feedbackAtRestart, Duration.ofMinutes(3)));
        duringOutage.forEach((name, h) -> System.out.printf("BrokerRestartIT: %s /health during the outage: %s%n",
            name, h.replace('\n', '|')));
        duringOutage.forEach((name, h) -> assertThat(h).as(name + " /health during the outage")
            .startsWith("503 ").contains("kafka-broker: down waiting"));

        assertThat(produce.awaitExit(Duration.ofMinutes(4))).as("produce exit status").isZero();
        Map<String, String> client = Map.of("bootstrap.servers", bootstrap);
        Set<String> validIds = CommittedRecords.validInputIds(client, DataSettings.from(config), RECORDS / 2);
        for (RoleProcess r : List.of(trainer, emitter, student, monitor, serve)) {
            assertThat(r.unexpectedExits()).as(r.name() + " exits").isEmpty();
            assertThat(RoleEndpoints.awaitHealthy(roles.metricsPort(r), Duration.ofMinutes(1)))
                .as(r.name() + " /health").isTrue();
        }

        Map<String, Long> perId = CommittedRecords.logitsPerId(client, validIds.size(), Duration.ofMinutes(2));
        assertThat(perId.keySet()).as("ids with a committed logit").isEqualTo(validIds);
        assertThat(perId.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
            .as("ids with more than one committed logit").isEmpty();

        Map<TopicPartition, Long> labeledEnd = SnapshotTopics.endOffsets(bootstrap, "distill.records.labeled");
        SnapshotManifest teacherSnap = SnapshotTopics.await(bootstrap, "distill.teacher.snapshots", "teacher", codec,
            m -> Offsets.fromManifest(m.inputOffsets()).equals(labeledEnd), Duration.ofMinutes(1));
        assertThat(Offsets.fromManifest(teacherSnap.inputOffsets())).as("trainer's consumed labeled offsets")
            .isEqualTo(labeledEnd);

        Map<TopicPartition, Long> logitsEnd = SnapshotTopics.endOffsets(bootstrap, "distill.teacher.logits");
        SnapshotManifest studentSnap = SnapshotTopics.await(bootstrap, "distill.student.snapshots", "student", codec,
            m -> reaches(m, logitsEnd), Duration.ofMinutes(1));
        assertThat(reaches(studentSnap, logitsEnd)).as("student offsets %s reach the logits' end %s",
            studentSnap.inputOffsets(), logitsEnd).isTrue();
        long served = RoleEndpoints.awaitServedVersion(servePort, v -> v >= studentSnap.version(),
            Duration.ofMinutes(1));
        assertThat(served).as("version served after the outage").isGreaterThanOrEqualTo(studentSnap.version());
        // the monitor writes a window's feedback when later evals close it, and after an outage its stream task
        // may first be re-initialised from its changelog (the commit that the outage interrupted fails)
        long feedbackBackAt = feedbackBack.get(4, TimeUnit.MINUTES);
        long feedbackAfter = endOffset(bootstrap, "distill.feedback");
        System.out.printf("BrokerRestartIT: feedback end offset %d at the restart, %d now; the first feedback after "
            + "the restart %.1f s after it%n", feedbackAtRestart, feedbackAfter, (feedbackBackAt - restartedAt) / 1e9);
        assertThat(feedbackBackAt).as("feedback written within 3 minutes of the restart").isPositive();
        assertThat(feedbackAfter).as("feedback written after the restart").isGreaterThan(feedbackAtRestart);

        for (RoleProcess r : List.of(trainer, emitter, student, monitor, serve)) {
            assertThat(r.unexpectedExits()).as(r.name() + " exits").isEmpty();
            assertThat(r.isAlive()).as(r.name() + " alive at the end").isTrue();
        }
        System.out.printf("BrokerRestartIT: %d valid records, %d logits; teacher v%d, student v%d, serving v%d "
            + "(v%d before the outage)%n", validIds.size(), perId.values().stream().mapToLong(Long::longValue).sum(),
            teacherSnap.version(),
            studentSnap.version(), served, servedBefore);
    }

    private static boolean reaches(SnapshotManifest m, Map<TopicPartition, Long> end) {
        if (m == null) {
            return false;
        }
        Map<TopicPartition, Long> at = Offsets.fromManifest(m.inputOffsets());
        return end.entrySet().stream().allMatch(e -> at.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private static long endOffset(String bootstrap, String topic) {
        return SnapshotTopics.endOffsets(bootstrap, topic).values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * When ({@link System#nanoTime()}) the topic's end offset first rose above {@code floor}, read every half second
     * for at most {@code timeout}; -1 if it did not.
     */
    private static long firstTimeAbove(String bootstrap, String topic, long floor, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            while (System.nanoTime() < deadline) {
                if (endOffset(bootstrap, topic) > floor) {
                    return System.nanoTime();
                }
                Thread.sleep(500);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return -1;
    }

    /** The /health text of every long-running role, or why it could not be read. */
    private Map<String, String> healthOfAll() {
        Map<String, String> out = new LinkedHashMap<>();
        roles.metricsPorts().forEach((r, port) -> out.put(r.name(), RoleEndpoints.get(port, "/health")));
        return out;
    }
}
