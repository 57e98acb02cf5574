package io.distillery.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.distillery.config.Config;
import io.distillery.config.FeedbackSettings;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.feedback.MonitorService;
import io.distillery.metrics.MetricsServer;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.service.HealthCheck;
import io.distillery.serving.ServeService;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.AdaptiveTraining;
import io.distillery.teacher.DriftResponse;
import io.distillery.teacher.EmissionPolicy;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.FeedbackFollower;
import io.distillery.teacher.Trainer;
import io.distillery.testing.ExternalTool;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs teacher (trainer and emitter), student, monitor and serve against a real broker, each with its
 * own registry and {@code /metrics} server as in its own process, feeds them a drifting stream with bad
 * records, asks serve for predictions, then scrapes every {@code /metrics} over HTTP and checks that
 * the dashboard and the alert rules read only names some role really exports, that each exposition
 * passes {@code promtool check metrics}, that every series says which role it comes from, and that
 * every consuming role exports its Kafka consumer lag, and that no registry refused a meter.
 */
class MetricsScrapeIT {
    /** Names the dashboard or the alert rules read that no role's /metrics exports, and why. */
    private static final Map<String, String> NOT_EXPORTED = Map.of(
        "up", "Prometheus makes it per scrape target",
        "distill_records_produced_total", "exported by `produce` (on metrics.port while it runs) and `demo`, not by "
            + "the long-running roles; the input-rate panel also draws consumed input from the teacher");

    private static final String LAG = "kafka_consumer_fetch_manager_records_lag_max";
    private static final Duration DEADLINE = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Deque<AutoCloseable> running = new ArrayDeque<>();
    private final Map<String, MetricsServer> servers = new LinkedHashMap<>();
    private final Map<String, List<HealthCheck>> parts = new LinkedHashMap<>();
    private final Map<String, RoleMetrics> registries = new LinkedHashMap<>();
    private String startingRole;

    @Test
    void shouldExportEveryDashboardAndAlertMetricFromTheRunningRoles(@TempDir Path tmp) throws Exception {
        ExternalTool promtool = ExternalTool.promtool();
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
                "monitor.window.ms", "1000", "monitor.grace.ms", "500",
                "monitor.state.dir", Files.createTempDirectory(tmp, "streams").toString(),
                "feedback.min.window.records", "50", "serve.host", "127.0.0.1", "serve.port", "0"));
            Pipelines.createTopics(config);
            try {
                ServeService serve = startRoles(config);
                Thread producer = new Thread(() -> produceDriftingStream(config), "it-producer");
                producer.start();
                running.push(producer::interrupt);
                Map<String, Exposition> scraped = scrapeUntilEverySampleIsThere(serve);
                assertEveryQueriedNameIsExported(scraped);
                Path saved = Files.createDirectories(ExternalTool.projectRoot().resolve("target/metrics-scrape"));
                scraped.forEach((role, e) -> assertPassesPromtool(promtool, saved, role, e));
                scraped.forEach(MetricsScrapeIT::assertEverySeriesCarriesItsRole);
                assertThat(consumersWithoutLag(scraped)).as("Kafka consumers without %s (the dashboard's lag panel)", LAG)
                    .isEmpty();
                assertEveryRoleIsHealthyNamingItsParts();
                registries.forEach((role, m) -> assertThat(m.failedRegistrations())
                    .as("meters the registry of %s refused (series lost)", role).isEmpty());
            } finally {
                closeAll();
            }
        }
    }

    /** The roles wired as their commands wire them, each with its own registry and metrics port. */
    private ServeService startRoles(Config config) throws IOException {
        RoleMetrics teacherMetrics = metricsOf("teacher");
        FeedbackSettings feedback = FeedbackSettings.from(config);
        EmissionPolicy policy = new EmissionPolicy(feedback, teacherMetrics);
        DriftResponse drift = new DriftResponse(feedback, teacherMetrics);
        FeedbackFollower follower = started(Loops.feedback(config, teacherMetrics,
            List.of(policy::onFeedback, drift::onFeedback)));
        follower.start();
        TeacherSettings teacherSettings = TeacherSettings.from(config);
        Trainer trainer = started(Loops.trainer(config, teacherMetrics,
            new AdaptiveTraining(drift, teacherSettings.network().learningRate())));
        started(Loops.emitter(config, teacherMetrics, trainer::latest, policy));

        RoleMetrics studentMetrics = metricsOf("student");
        FollowedModel teacher = started(Loops.teacherSnapshots(config, studentMetrics));
        started(Loops.student(config, studentMetrics, teacher));

        MonitorService monitor = started(new MonitorService(config, metricsOf("monitor")));
        monitor.start();
        ServeService serve = started(new ServeService(config, metricsOf("serve")));
        serve.start();
        return serve;
    }

    private RoleMetrics metricsOf(String role) throws IOException {
        RoleMetrics metrics = started(new RoleMetrics(role));
        registries.put(role, metrics);
        List<HealthCheck> roleParts = new java.util.concurrent.CopyOnWriteArrayList<>();
        parts.put(role, roleParts);
        startingRole = role;
        servers.put(role, started(MetricsServer.start(metrics, "127.0.0.1", 0, () -> roleParts)));
        return metrics;
    }

    /** Closed at the end; a part with a health is reported on the /health of the role started last. */
    private <T extends AutoCloseable> T started(T part) {
        running.push(part);
        if (part instanceof HealthCheck h && startingRole != null) {
            parts.get(startingRole).add(h);
        }
        return part;
    }

    /** Each role's /health over HTTP: 200, "ok", and a line "name: up ..." for each of its loops and followers. */
    private void assertEveryRoleIsHealthyNamingItsParts() throws Exception {
        Map<String, List<String>> expected = Map.of(
            "teacher", List.of("feedback-follower", "teacher-trainer", "teacher-emitter"),
            "student", List.of("snapshot-follower-distill.teacher.snapshots", "student"),
            "monitor", List.of("monitor-streams"),
            "serve", List.of("serve"));
        for (var e : expected.entrySet()) {
            HttpResponse<String> r = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
                + servers.get(e.getKey()).port() + "/health")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString());
            assertThat(r.statusCode()).as("/health of %s: %s", e.getKey(), r.body()).isEqualTo(200);
            assertThat(r.body()).startsWith("ok\n");
            for (String part : e.getValue()) {
                assertThat(r.body()).as("/health of %s", e.getKey()).contains(part + ": up ");
            }
        }
    }

    private void closeAll() {
        while (!running.isEmpty()) {
            try {
                running.pop().close();
            } catch (Exception e) {
                System.err.println("closing a role part failed: " + e);
            }
        }
    }

    /** 6,000 records of one concept, a few broken ones, then 6,000 after an abrupt drift. */
    private static void produceDriftingStream(Config config) {
        try {
            Pipelines.produce(config, 6_000, 0.3, 11, 0, "", 3_000);
            publishBadRecords(config);
            Pipelines.produce(config, 6_000, 0.3, 11, 0, "abrupt@0", 3_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** As a user with kcat would, bypassing produce's validation: the teacher dead-letters them. */
    private static void publishBadRecords(Config config) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(
            Map.of("bootstrap.servers", config.kafkaProperties().get("bootstrap.servers")),
            new StringSerializer(), new StringSerializer())) {
            p.send(new ProducerRecord<>(Topics.UNLABELED.name(), "bad-1", "{\"id\": \"bad-1\", \"features\": [1, 2"));
            p.send(new ProducerRecord<>(Topics.LABELED.name(), "bad-2", "{\"id\": \"bad-2\", \"features\": [1, 2], \"label\": 1}"));
        }
    }

    /**
     * Scrapes every role about once a second, asking serve for predictions once it is ready, until each
     * metric the dashboard and the alerts read is exported and the ones that need events have samples
     * (drift detected, records dead-lettered, a snapshot swapped in, predictions timed) and every Kafka
     * consumer exports its lag (Micrometer's refresh brings it back, see KafkaClientMeters); then returns the
     * last scrape. At the deadline it returns what it has, and the assertions say what is missing.
     */
    private Map<String, Exposition> scrapeUntilEverySampleIsThere(ServeService serve) throws InterruptedException {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        Map<String, Exposition> scraped = scrapeAll();
        while (System.nanoTime() < deadline) {
            if (get(serve.url().resolve("v2/health/ready")).statusCode() == 200) {
                infer(serve.url(), 1);
                infer(serve.url(), 8);
            }
            scraped = scrapeAll();
            if (missingNames(scraped).isEmpty() && withoutSamples(scraped).isEmpty()
                && consumersWithoutLag(scraped).isEmpty()) {
                System.err.printf("every expected series scraped after %.1f s%n",
                    (System.nanoTime() - deadline + DEADLINE.toNanos()) / 1e9);
                return scraped;
            }
            Thread.sleep(1000);
        }
        System.err.println("still missing at the deadline: names " + missingNames(scraped).keySet() + ", samples "
            + withoutSamples(scraped) + ", lag of " + consumersWithoutLag(scraped));
        assertThat(withoutSamples(scraped)).as("series that should have counted something within %s", DEADLINE)
            .isEmpty();
        return scraped;
    }

    /** Event counters that must be above zero: without samples the name check proves little. */
    private static Set<String> withoutSamples(Map<String, Exposition> scraped) {
        Map<String, String> needed = Map.of(
            "distill_drift_detections_total", "monitor",
            "distill_records_rejected_total", "teacher",
            "distill_hot_swaps_total", "serve",
            "distill_predict_latency_seconds_count", "serve",
            "distill_logits_emitted_total", "teacher",
            "distill_snapshots_published_total", "student");
        Set<String> out = new TreeSet<>();
        needed.forEach((name, role) -> {
            if (!(scraped.get(role).sum(name) > 0)) {
                out.add(role + ": " + name);
            }
        });
        return out;
    }

    private Map<String, Exposition> scrapeAll() {
        Map<String, Exposition> out = new LinkedHashMap<>();
        servers.forEach((role, server) -> {
            HttpResponse<String> r = get(URI.create("http://127.0.0.1:" + server.port() + "/metrics"));
            assertThat(r.statusCode()).as("GET /metrics of %s", role).isEqualTo(200);
            assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
            out.put(role, Exposition.parse(r.body()));
        });
        return out;
    }

    private void infer(URI base, int rows) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < rows * 16; i++) {
            data.append(i == 0 ? "" : ",").append((i % 7) * 0.1);
        }
        String body = "{\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + ",16],\"datatype\":\"FP32\",\"data\":["
            + data + "]}]}";
        HttpResponse<String> r = send(HttpRequest.newBuilder(base.resolve("v2/models/student/infer"))
            .POST(HttpRequest.BodyPublishers.ofString(body)).header("Content-Type", "application/json"));
        assertThat(r.statusCode()).as("infer: %s", r.body()).isEqualTo(200);
    }

    private HttpResponse<String> get(URI uri) {
        return send(HttpRequest.newBuilder(uri).GET());
    }

    private HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return http.send(request.timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            return fail("HTTP request failed: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted");
        }
    }

    /** Each name the dashboard or the alert rules read, with where it is read, that no role exports. */
    private static Map<String, String> missingNames(Map<String, Exposition> scraped) {
        Set<String> exported = new TreeSet<>();
        scraped.values().forEach(e -> exported.addAll(e.names()));
        Map<String, String> missing = new TreeMap<>();
        collectMissing(PromQueries.dashboardExprs(), PromQueries.DASHBOARD.toString(), exported, missing);
        collectMissing(PromQueries.alertExprs(), PromQueries.ALERTS.toString(), exported, missing);
        return missing;
    }

    private static void collectMissing(List<String> exprs, String file, Set<String> exported,
                                       Map<String, String> missing) {
        for (String expr : exprs) {
            for (String name : PromQueries.metricNames(expr)) {
                if (!exported.contains(name) && !NOT_EXPORTED.containsKey(name)) {
                    missing.merge(name, file, (a, b) -> a.contains(b) ? a : a + ", " + b);
                }
            }
        }
    }

    private static void assertEveryQueriedNameIsExported(Map<String, Exposition> scraped) {
        Map<String, String> missing = missingNames(scraped);
        if (!missing.isEmpty()) {
            StringBuilder msg = new StringBuilder("metrics read by the dashboard or the alert rules that no role exports:\n");
            missing.forEach((name, where) -> msg.append("  ").append(name).append("  (read in ").append(where).append(")\n"));
            fail(msg.toString());
        }
        Set<String> used = new TreeSet<>();
        PromQueries.dashboardExprs().forEach(e -> used.addAll(PromQueries.metricNames(e)));
        PromQueries.alertExprs().forEach(e -> used.addAll(PromQueries.metricNames(e)));
        assertThat(used).as("the names excused from export are still read somewhere").containsAll(NOT_EXPORTED.keySet());
    }

    /**
     * Format errors fail (exit 1). Lint problems (exit 3) fail for our own {@code distill_*} names,
     * which the catalog controls; those of third-party binders (JVM, Kafka client names chosen by
     * Micrometer and Kafka) are printed and tolerated, since we cannot rename them without breaking
     * the dashboards people already have for them.
     */
    /** Writes the scrape to {@code dir/<role>.prom} (kept for a look after a failure) and checks it. */
    private static void assertPassesPromtool(ExternalTool promtool, Path dir, String role, Exposition e) {
        Path file = dir.resolve(role + ".prom");
        try {
            Files.writeString(file, e.text());
        } catch (IOException ex) {
            fail("cannot write " + file + ": " + ex);
        }
        ExternalTool.Result r = promtool.runWithInput(dir, file, "check", "metrics");
        if (r.exitCode() == 0) {
            return;
        }
        assertThat(r.exitCode()).as("promtool check metrics of %s (format error):%n%s", role, r.output()).isEqualTo(3);
        List<String> ours = new ArrayList<>();
        r.output().lines().filter(l -> l.startsWith("distill_")).forEach(ours::add);
        assertThat(ours).as("promtool lint problems of %s in our own metrics", role).isEmpty();
        System.err.println("promtool lint of " + role + " (third-party names, tolerated):\n" + r.output());
    }

    private static void assertEverySeriesCarriesItsRole(String role, Exposition e) {
        List<String> wrong = new ArrayList<>();
        for (Exposition.Sample s : e.samples()) {
            if (!role.equals(s.labels().get("role"))) {
                wrong.add(s.toString());
            }
        }
        assertThat(wrong).as("series of %s without role=\"%s\"", role, role).isEmpty();
        assertThat(e.samples()).as("%s exports something", role).isNotEmpty();
    }

    /** "role: client id" of each Kafka consumer that exports consumer metrics but not its records lag. */
    private static Set<String> consumersWithoutLag(Map<String, Exposition> scraped) {
        Set<String> out = new TreeSet<>();
        scraped.forEach((role, e) -> {
            Set<String> consumers = new TreeSet<>();
            Set<String> withLag = new TreeSet<>();
            for (Exposition.Sample s : e.samples()) {
                // Kafka Streams' restore consumer reads changelogs only while restoring state and then
                // idles; Micrometer keeps the main consumer's per-partition lag series in its place.
                if (s.name().startsWith("kafka_consumer_") && s.labels().containsKey("client_id")
                    && !s.labels().get("client_id").endsWith("-restore-consumer")) {
                    consumers.add(s.labels().get("client_id"));
                }
                if (s.name().equals(LAG)) {
                    withLag.add(s.labels().get("client_id"));
                }
            }
            if (consumers.isEmpty()) {
                out.add(role + ": (no Kafka consumer metrics at all)");
            }
            consumers.removeAll(withLag);
            consumers.forEach(c -> out.add(role + ": " + c));
        });
        return out;
    }
}
