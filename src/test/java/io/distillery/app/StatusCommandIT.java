package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.config.Config;
import io.distillery.records.Heartbeat;
import io.distillery.records.HeartbeatCodec;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.spec.Roles;
import io.distillery.testing.CapturedLog;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Pipelines;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code status} against every role running in-process on a real broker, beside an instance of a build that reads older
 * snapshot formats, then with the student stopped.
 */
class StatusCommandIT {
    @TempDir
    Path tmp;

    private static final List<String> ROLES = List.of(Roles.TEACHER, Roles.STUDENT, Roles.MONITOR, Roles.SERVE);

    /**
     * One run of the command: its exit code, what it printed, and what was logged at WARN or above on its thread
     * (which a person running it would see on stderr).
     */
    private record Run(int code, String out, String err, List<String> warnings) {
    }

    @Test
    void shouldListEveryRoleThenNameTheStoppedStudent() throws Exception {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
                "monitor.window.ms", "1000", "monitor.grace.ms", "500",
                "monitor.state.dir", tmp.resolve("monitor-state").toString(),
                "heartbeat.interval.ms", "1000", "serve.port", "0"));
            Pipelines.createTopics(config);
            List<RoleRunner> runners = new ArrayList<>();
            Thread producer = new Thread(() -> {
                try {
                    Pipelines.produce(config, 200_000, 0.2, 7, 0.01, "", 1_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "status-it-producer");
            try {
                RoleRunner teacher = runner(Roles.TEACHER, config, runners);
                TeacherCommand.start(config, teacher.metrics(), teacher, null);
                RoleRunner student = runner(Roles.STUDENT, config, runners);
                StudentCommand.start(config, student.metrics(), student);
                RoleRunner monitor = runner(Roles.MONITOR, config, runners);
                MonitorCommand.start(config, monitor.metrics(), monitor);
                RoleRunner serve = runner(Roles.SERVE, config, runners);
                ServeCommand.start(config, serve.metrics(), serve);
                producer.start();
                String bootstrap = kafka.bootstrapServers();

                Run running = awaitStatus(bootstrap, 0, Duration.ofMinutes(3));
                for (String role : ROLES) {
                    assertThat(running.out()).containsPattern("(?m)^" + role + " +\\S+ .* up ");
                }
                assertThat(running.out()).contains("pipeline at", ": OK", "teacher v", "student v", "checkpoints: ",
                    "feedback window");

                Run jsonRun = status(bootstrap, "--json");
                assertThat(jsonRun.warnings()).as("warnings logged while status read the topics").isEmpty();
                JsonNode json = new ObjectMapper().readTree(jsonRun.out());
                assertThat(json.get("ok").asBoolean()).isTrue();
                assertThat(json.get("problems")).isEmpty();
                Set<String> roles = new HashSet<>();
                json.get("instances").forEach(i -> {
                    roles.add(i.get("role").asText());
                    assertThat(i.get("healthy").asBoolean()).as(i.toString()).isTrue();
                    assertThat(i.get("silent").asBoolean()).as(i.toString()).isFalse();
                });
                assertThat(roles).containsExactlyInAnyOrderElementsOf(ROLES);
                assertThat(json.at("/snapshots/teacher/version").asLong()).isPositive();
                assertThat(json.at("/snapshots/student/version").asLong()).isPositive();
                for (String model : List.of("teacher", "student")) {
                    assertThat(json.at("/checkpoints/" + model + "/version").asLong()).as("a restart resumes with the "
                        + "optimizer state").isGreaterThanOrEqualTo(json.at("/snapshots/" + model + "/version").asLong());
                }
                assertThat(json.at("/feedback/window/count").asLong()).isPositive();
                assertThat(json.get("consumerLag").size()).isPositive();
                assertThat(json.at("/deadLetters/lastHourByReason").size()).isPositive();
                assertThat(json.at("/snapshots/student/format").asInt()).isEqualTo(SnapshotCodec.FORMAT_VERSION);
                json.get("instances").forEach(i -> assertThat(i.get("snapshotFormat").asInt()).as(i.toString())
                    .isEqualTo(SnapshotCodec.FORMAT_VERSION));

                // an instance of a build that reads older formats only, as its heartbeat says
                Heartbeat old = new Heartbeat(Roles.SERVE, "old-build", System.currentTimeMillis(), 60_000, true,
                    Map.of(), Map.of("student", 1L), 0, Map.of(), SnapshotCodec.FORMAT_VERSION - 1);
                heartbeat(config, old.key(), HeartbeatCodec.encode(old));
                Run withOld = awaitStatus(bootstrap, 1, Duration.ofSeconds(30));
                assertThat(withOld.err()).contains("serve/old-build: reads snapshot formats up to "
                    + (SnapshotCodec.FORMAT_VERSION - 1) + ", the newest student snapshot");
                heartbeat(config, old.key(), null);
                awaitStatus(bootstrap, 0, Duration.ofSeconds(30));

                student.close();
                Run withoutStudent = awaitStatus(bootstrap, 1, Duration.ofMinutes(1));
                assertThat(withoutStudent.err()).contains("student: no instance reporting");
                assertThat(withoutStudent.out()).doesNotContainPattern("(?m)^student ");
                JsonNode stopped = new ObjectMapper().readTree(status(bootstrap, "--json").out());
                assertThat(stopped.get("ok").asBoolean()).isFalse();
                assertThat(stopped.get("problems").toString()).contains("student: no instance reporting");
            } finally {
                producer.interrupt();
                producer.join(30_000);
                for (int i = runners.size() - 1; i >= 0; i--) {
                    runners.get(i).close();
                }
            }
        }
    }

    /** Writes a heartbeat (or, null, its removal) on the instances topic, as an instance would. */
    private static void heartbeat(Config config, String key, byte[] value) {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaClients.producer(config, Map.of()),
                new StringSerializer(), new ByteArraySerializer())) {
            p.send(new ProducerRecord<>(Topics.INSTANCES.name(), key, value));
            p.flush();
        }
    }

    private static RoleRunner runner(String role, Config config, List<RoleRunner> runners) throws Exception {
        RoleRunner runner = RoleRunner.forRole(role, config);
        runners.add(runner);
        return runner;
    }

    /** Runs status once a second until it exits with {@code code}, at most {@code timeout}. */
    private static Run awaitStatus(String bootstrap, int code, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Run run = status(bootstrap);
        while (run.code() != code && System.nanoTime() < deadline) {
            Thread.sleep(1_000);
            run = status(bootstrap);
        }
        assertThat(run.code()).as("exit code of status; its last output: " + run).isEqualTo(code);
        return run;
    }

    private static Run status(String bootstrap, String... more) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> args = new ArrayList<>(List.of("status", "--bootstrap-servers", bootstrap));
        args.addAll(List.of(more));
        String thread = Thread.currentThread().getName();
        try (CapturedLog log = CapturedLog.all()) {
            int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args.toArray(String[]::new));
            List<String> warnings = log.events().stream()
                .filter(e -> e.getLevel().isMoreSpecificThan(Level.WARN) && thread.equals(e.getThreadName()))
                .map(e -> e.getLoggerName() + ": " + e.getMessage().getFormattedMessage()).toList();
            return new Run(code, out.toString(), err.toString(), warnings);
        }
    }
}
