package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.config.Config;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.Models;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.Await;
import io.distillery.testing.InferClient;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Pipelines;
import io.distillery.testing.StudentSnapshots;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

/**
 * Promotion and automatic rollback on a real broker. A teacher network writes its logits for random rows to
 * {@code distill.teacher.logits} all along; two serving instances follow the same topics, one with
 * {@code serve.promotion=shadow}, one with {@code immediate}. Version 1 is the teacher's own network; version 2
 * is it trained on purpose to answer the next class (signed with the test key like any good snapshot);
 * version 3 is it trained a little more, slowly, on its own answers.
 *
 * <p>The shadow instance refuses version 2, which never answers a request there, and promotes version 3 after
 * {@code serve.promotion.rows} scored rows; the immediate one serves version 2 at once, rolls back to version 1
 * by the scores, and then promotes version 3 as a candidate.
 */
class PromotionIT {
    private static final int FEATURES = 16;
    private static final int CLASSES = 4;
    private static final int ROWS = 200;
    private static final Duration WAIT = Duration.ofSeconds(60);

    @Test
    void shouldRefuseAWorseStudentInShadowModePromoteABetterOneAndRollBackAWorseOneServedImmediately()
        throws Exception {
        Random random = new Random(7);
        float[][] rows = new float[512][];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = StudentSnapshots.randomRow(FEATURES, random);
        }
        Network teacher = Network.student(NetworkSpec.of(FEATURES, List.of(16), CLASSES).withSeed(1),
            new DistillationSpec(1.0, 0.5));
        int[] classes = argmax(teacher.logits(rows));
        Network worse = trained(teacher, rows, shifted(classes), 300, teacher.learningRate());
        Network better = trained(teacher, rows, classes, 20, teacher.learningRate() / 20);
        assertThat(agreement(worse, rows, classes)).as("the worse student's agreement").isLessThan(0.5);
        assertThat(agreement(better, rows, classes)).as("the better student's agreement").isGreaterThan(0.97);
        StudentSnapshots snapshots = new StudentSnapshots(FEATURES, 16, CLASSES, 1);

        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Map<String, String> common = Map.of("serve.host", "127.0.0.1", "serve.port", "0",
                "serve.promotion.rows", Integer.toString(ROWS), "serve.score.sample", "1.0",
                "serve.shadow.sample", "0.5");
            Config shadowConfig = Pipelines.smallConfig(kafka.bootstrapServers(), with(common, "shadow"));
            Config immediateConfig = Pipelines.smallConfig(kafka.bootstrapServers(), with(common, "immediate"));
            Pipelines.createTopics(shadowConfig);
            AtomicBoolean running = new AtomicBoolean(true);
            Set<Long> shadowAnswered = ConcurrentHashMap.newKeySet();
            Set<Long> immediateAnswered = ConcurrentHashMap.newKeySet();
            try (RoleMetrics shadowMetrics = new RoleMetrics();
                 RoleMetrics immediateMetrics = new RoleMetrics();
                 ServeService shadow = new ServeService(shadowConfig, shadowMetrics);
                 ServeService immediate = new ServeService(immediateConfig, immediateMetrics);
                 SnapshotPublisher publisher = SnapshotPublisher.create(shadowConfig, Topics.STUDENT_SNAPSHOTS);
                 Producer<byte[], byte[]> logits = new KafkaProducer<>(KafkaClients.producer(shadowConfig, Map.of()))) {
                shadow.start();
                immediate.start();
                Thread writer = new Thread(() -> writeTeacherLogits(logits, teacher, rows, running), "teacher-logits");
                Thread client = new Thread(() -> ask(List.of(shadow, immediate), List.of(shadowAnswered,
                    immediateAnswered), rows, running), "infer-client");
                writer.start();
                try {
                    publisher.publish(Models.STUDENT, snapshots.encoded(1, teacher));
                    Await.until(() -> shadow.state().currentVersion() == 1 && immediate.state().currentVersion() == 1,
                        "both instances serve version 1", WAIT);
                    client.start();

                    publisher.publish(Models.STUDENT, snapshots.encoded(2, worse));
                    // the registry changes before the scorer counts it: wait for both
                    Await.until(() -> refused(shadow) == 2
                        && counter(shadowMetrics, "distill.serve.candidates", "refused") > 0,
                        "the shadow instance refuses version 2", WAIT);
                    Await.until(() -> refused(immediate) == 2
                        && immediateMetrics.registry().find("distill.serve.rollbacks").counter().count() > 0,
                        "the immediate instance rolls version 2 back", WAIT);

                    assertThat(shadow.state().currentVersion()).isEqualTo(1);
                    assertThat(shadow.state().lastRefusal().reason()).contains("candidate version 2",
                        "served version 1", "same " + ROWS + " rows");
                    assertThat(counter(shadowMetrics, "distill.serve.candidates", "refused")).isEqualTo(1);
                    JsonNode metadata = metadata(shadow);
                    assertThat(metadata.path("last_refusal").path("version").asText()).isEqualTo("2");
                    assertThat(metadata.path("candidate_version").isNull()).isTrue();
                    assertThat(metadata.path("promotion").asText()).isEqualTo("shadow");

                    ModelRegistry.State rolledBack = immediate.state();
                    assertThat(rolledBack.currentVersion()).isEqualTo(1);
                    assertThat(rolledBack.pin()).isEqualTo(ModelRegistry.Pin.ROLLBACK);
                    assertThat(rolledBack.lastRefusal().reason()).startsWith("rolled back: ");
                    assertThat(immediateMetrics.registry().find("distill.serve.rollbacks").counter().count())
                        .isEqualTo(1);
                    assertThat(metadata(immediate).path("pinned_by").asText()).isEqualTo("rollback");

                    publisher.publish(Models.STUDENT, snapshots.encoded(3, better));
                    Await.until(() -> shadow.state().currentVersion() == 3
                        && counter(shadowMetrics, "distill.serve.candidates", "promoted") > 0,
                        "the shadow instance promotes version 3", WAIT);
                    Await.until(() -> immediate.state().currentVersion() == 3
                        && counter(immediateMetrics, "distill.serve.candidates", "promoted") > 0,
                        "the immediate instance promotes version 3 after its rollback", WAIT);
                    assertThat(counter(shadowMetrics, "distill.serve.candidates", "promoted")).isEqualTo(1);
                    assertThat(counter(immediateMetrics, "distill.serve.candidates", "promoted")).isEqualTo(1);
                    assertThat(immediate.state().pin()).isEqualTo(ModelRegistry.Pin.NONE);
                    Await.until(() -> shadowAnswered.contains(3L) && immediateAnswered.contains(3L),
                        "both instances answer with version 3", WAIT);
                    // version 1 is the previous one now: sampled requests get shadow answers from it
                    Await.until(() -> shadowMetrics.registry().find("distill.serve.scored.rows").tag("source", "shadow")
                        .counter().count() > 0, "shadow answers to sampled requests", WAIT);
                } finally {
                    running.set(false);
                    writer.join(10_000);
                    client.join(20_000);
                }
                assertThat(shadowAnswered).as("versions that answered on the shadow instance").doesNotContain(2L)
                    .contains(1L, 3L);
            }
        }
    }

    private static Map<String, String> with(Map<String, String> common, String mode) {
        Map<String, String> m = new HashMap<>(common);
        m.put("serve.promotion", mode);
        return m;
    }

    private static long refused(ServeService service) {
        ModelRegistry.Refusal r = service.state().lastRefusal();
        return r == null ? -1 : r.version();
    }

    private static double counter(RoleMetrics metrics, String name, String outcome) {
        return metrics.registry().find(name).tag("outcome", outcome).counter().count();
    }

    private static JsonNode metadata(ServeService service) throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI uri = service.url().resolve("v2/models/" + Models.STUDENT);
        HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).GET().build(),
            HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return OipJson.MAPPER.readTree(r.body());
    }

    /** The teacher's logits for the rows, round and round with new ids, 100 rows every 20 ms. */
    private static void writeTeacherLogits(Producer<byte[], byte[]> producer, Network teacher, float[][] rows,
                                           AtomicBoolean running) {
        float[][] logits = teacher.logits(rows);
        long n = 0;
        while (running.get()) {
            for (int i = 0; i < 100; i++, n++) {
                int r = (int) (n % rows.length);
                String id = "row-" + n;
                LogitsMessage m = new LogitsMessage(id, System.currentTimeMillis(), LogitMath.argmax(logits[r]), 1,
                    rows[r], logits[r]);
                producer.send(new ProducerRecord<>(Topics.TEACHER_LOGITS.name(), id.getBytes(StandardCharsets.UTF_8),
                    LogitsCodec.encode(m)));
            }
            producer.flush();
            sleep(20);
        }
    }

    /** Asks each service for answers on a few rows until stopped; records the versions that answered. */
    private static void ask(List<ServeService> services, List<Set<Long>> answered, float[][] rows,
                            AtomicBoolean running) {
        String body = InferClient.body(new float[][] {rows[0], rows[1], rows[2]});
        List<InferClient> clients = services.stream().map(s -> new InferClient(s.url(), Models.STUDENT)).toList();
        try {
            while (running.get() && !Thread.currentThread().isInterrupted()) {
                for (int i = 0; i < clients.size(); i++) {
                    try {
                        InferClient.Answer a = clients.get(i).infer(body);
                        if (a.status() == 200) {
                            answered.get(i).add(a.version());
                        }
                    } catch (java.io.IOException e) {
                        // the service is closing
                    }
                }
                sleep(2);
            }
        } finally {
            clients.forEach(InferClient::close);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static Network trained(Network from, float[][] rows, int[] labels, int steps, double learningRate) {
        Network n = from.copy();
        n.setLearningRate(learningRate);
        for (int s = 0; s < steps; s++) {
            n.fitHard(rows, labels);
        }
        return n;
    }

    private static int[] argmax(float[][] logits) {
        int[] out = new int[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = LogitMath.argmax(logits[i]);
        }
        return out;
    }

    private static int[] shifted(int[] classes) {
        int[] out = new int[classes.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (classes[i] + 1) % CLASSES;
        }
        return out;
    }

    private static double agreement(Network n, float[][] rows, int[] classes) {
        int[] got = argmax(n.logits(rows));
        int same = 0;
        for (int i = 0; i < got.length; i++) {
            same += got[i] == classes[i] ? 1 : 0;
        }
        return (double) same / got.length;
    }
}
