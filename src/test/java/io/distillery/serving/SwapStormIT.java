package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.config.Config;
import io.distillery.metrics.RoleMetrics;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.spec.Models;
import io.distillery.testing.ClockWatch;
import io.distillery.testing.InferClient;
import io.distillery.testing.JdkHttpLog;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Pipelines;
import io.distillery.testing.StudentSnapshots;
import io.distillery.testing.SwapTimes;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The serving issue's swap storm on a real broker: a new real DL4J student snapshot every 100 ms for 30 s,
 * published through {@link SnapshotPublisher} to {@code distill.student.snapshots} and followed by a
 * {@link ServeService}, while client threads send infer requests over loopback HTTP as fast as they can, each
 * on a keep-alive connection of its own ({@link InferClient}) that only the server or a failed request ends.
 *
 * <p>Good snapshots have even versions; bad ones (tampered signature, wrong shape, a version older than the
 * served one) have odd versions, so an answer reporting an odd version came from a snapshot that should
 * have been rejected. Each answer's logits for the probe row are checked against the network of the version
 * it reports. Publication-to-first-answer times are printed, not asserted (the machine is shared).
 */
class SwapStormIT {
    private static final int FEATURES = 16;
    private static final int CLASSES = 4;
    private static final Duration STORM = Duration.ofSeconds(30);
    private static final long PERIOD_MS = 100;
    private static final int CLIENTS = 3;

    @Test
    void shouldAnswerEveryRequestFromVerifiedSnapshotsOnlyWhileSnapshotsArriveEvery100Ms() throws Exception {
        StudentSnapshots snapshots = new StudentSnapshots(FEATURES, 16, CLASSES, 4);
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        SwapTimes times = new SwapTimes();
        AtomicLong answered = new AtomicLong();
        Instant began = Instant.now();
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated(); ClockWatch clocks = ClockWatch.start();
             JdkHttpLog httpLog = JdkHttpLog.start()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
                "serve.host", "127.0.0.1", "serve.port", "0", "serve.threads", "2"));
            Pipelines.createTopics(config);
            try (RoleMetrics metrics = new RoleMetrics();
                 ServeService service = new ServeService(config, metrics);
                 SnapshotPublisher publisher = SnapshotPublisher.create(config, Topics.STUDENT_SNAPSHOTS)) {
                service.start();
                publish(publisher, snapshots, times, 2);
                awaitVersion(service, 2, Duration.ofSeconds(30));

                AtomicLong target = new AtomicLong(Long.MAX_VALUE);
                List<Thread> clients = new ArrayList<>();
                for (int c = 0; c < CLIENTS; c++) {
                    int rows = c == 0 ? 8 : 1;
                    Thread t = new Thread(() -> hammer(service, snapshots, rows, target, times, failures, answered),
                        "storm-client-" + c);
                    clients.add(t);
                    t.start();
                }
                long last = storm(publisher, snapshots, service, times, metrics);
                awaitVersion(service, last, Duration.ofSeconds(30));
                target.set(last);
                for (Thread t : clients) {
                    t.join(20_000);
                }

                SwapTimes.Summary s = times.summary();
                System.out.printf("SwapStormIT: %d answers, %d good versions published (last %d), %d never answered;"
                        + " publication to first answer with that version: p50 %.1f ms, p99 %.1f ms, max %.1f ms"
                        + " (n=%d); to first answer with it or newer: p99 %.1f ms; load average %s; %s;"
                        + " HTTP server log records %d%n",
                    answered.get(), s.versions(), last, s.unanswered(), s.toFirstAnswer().p50Ms(),
                    s.toFirstAnswer().p99Ms(), s.toFirstAnswer().maxMs(), s.toFirstAnswer().count(),
                    s.toFirstAtLeast().p99Ms(), loadAverage(), clocks, httpLog.seen());

                assertThat(failures).as("failures (clocks: %s; what the JDK HTTP server logged on closing or"
                    + " failing: %s)", clocks, httpLog.keptSince(began)).isEmpty();
                assertThat(clients).noneMatch(Thread::isAlive);
                assertThat(answered.get()).isGreaterThan(1000);
                assertThat(service.state().currentVersion()).isEqualTo(last);
                assertThat(rejected(metrics, "bad_signature")).isEqualTo(BAD_OF_EACH_KIND);
                assertThat(rejected(metrics, "wrong_shape")).isEqualTo(BAD_OF_EACH_KIND);
                assertThat(rejected(metrics, "stale_version")).isEqualTo(BAD_OF_EACH_KIND);
                // snapshots superseded within one poll are never verified, so at most one swap per version
                assertThat(metrics.registry().find("distill.hot.swaps").counter().count())
                    .isBetween(2.0, (double) s.versions());
            }
        }
    }

    private static final int BAD_OF_EACH_KIND = 3;

    /**
     * Publishes good versions 4, 6, ... every 100 ms for the storm's length; at ticks 50, 150, 250 a bad
     * snapshot of each kind too, with an odd version, each waited for until it has been rejected (the
     * follower hands on only the newest snapshot of a poll, so a bad one followed at once by a good one
     * would be superseded, never verified). Returns the last good version.
     */
    private static long storm(SnapshotPublisher publisher, StudentSnapshots snapshots, ServeService service,
                              SwapTimes times, RoleMetrics metrics) throws InterruptedException {
        long start = System.nanoTime();
        long ticks = STORM.toMillis() / PERIOD_MS;
        long version = 2;
        for (long tick = 1; tick <= ticks; tick++) {
            sleepUntil(start + tick * PERIOD_MS * 1_000_000);
            version += 2;
            publish(publisher, snapshots, times, version);
            if (tick % 100 == 50) {
                publishBad(publisher, snapshots.tampered(version + 1), metrics, "bad_signature");
                publishBad(publisher, snapshots.wrongShape(version + 1), metrics, "wrong_shape");
                // odd, hence never published as good, and older than what is served now
                long served = service.state().currentVersion();
                publishBad(publisher, snapshots.encoded(served - 1), metrics, "stale_version");
            }
        }
        return version;
    }

    private static void publishBad(SnapshotPublisher publisher, byte[] encoded, RoleMetrics metrics, String reason)
        throws InterruptedException {
        double before = rejected(metrics, reason);
        publisher.publish("student", encoded);
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (rejected(metrics, reason) == before && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
    }

    private static void publish(SnapshotPublisher publisher, StudentSnapshots snapshots, SwapTimes times,
                                long version) {
        byte[] encoded = snapshots.encoded(version);
        times.published(version, System.nanoTime());
        publisher.publish("student", encoded);
    }

    /** Sends infer requests until it has seen version {@code target}; records every anomaly. */
    private static void hammer(ServeService service, StudentSnapshots snapshots, int rows, AtomicLong target,
                               SwapTimes times, Queue<String> failures, AtomicLong answered) {
        try (InferClient client = new InferClient(service.url(), Models.STUDENT)) {
            hammer(client, snapshots, rows, target, times, failures, answered);
        }
    }

    private static void hammer(InferClient client, StudentSnapshots snapshots, int rows, AtomicLong target,
                               SwapTimes times, Queue<String> failures, AtomicLong answered) {
        float[][] batch = new float[rows][];
        for (int r = 0; r < rows; r++) {
            batch[r] = snapshots.probe();
        }
        String body = InferClient.body(batch);
        long last = 0;
        long deadline = System.nanoTime() + STORM.toNanos() + Duration.ofSeconds(40).toNanos();
        while (last < target.get() && System.nanoTime() < deadline) {
            InferClient.Answer a;
            try {
                a = client.infer(body);
            } catch (Exception e) {
                failures.add(Thread.currentThread().getName() + " at " + Instant.now() + ": " + causes(e));
                continue;
            }
            long now = System.nanoTime();
            if (a.status() != 200) {
                failures.add(a.status() + " " + a.body());
                continue;
            }
            long v = a.version();
            times.answered(v, now);
            answered.incrementAndGet();
            if (v % 2 != 0) {
                failures.add("answer from rejected version " + v);
            }
            if (v < last) {
                failures.add("version went back from " + last + " to " + v);
            }
            last = Math.max(last, v);
            checkLogits(a, snapshots.expectedLogits(v), rows, failures);
        }
        if (last < target.get()) {
            failures.add(Thread.currentThread().getName() + " never saw version " + target.get() + ", last " + last);
        }
    }

    /** The exception and its causes, innermost last: an end of stream and a reset read alike at the top. */
    private static String causes(Throwable e) {
        StringBuilder b = new StringBuilder(e.toString());
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            b.append(" <- ").append(c);
        }
        return b.toString();
    }

    private static void checkLogits(InferClient.Answer a, float[] expected, int rows, Queue<String> failures) {
        JsonNode data;
        try {
            data = OipJson.MAPPER.readTree(a.body()).path("outputs").get(0).path("data");
        } catch (java.io.IOException e) {
            failures.add("unreadable answer " + a.body());
            return;
        }
        for (int r = 0; r < rows; r++) {
            for (int k = 0; k < expected.length; k++) {
                double got = data.get(r * expected.length + k).asDouble();
                if (Math.abs(got - expected[k]) > 1e-4 * Math.max(1, Math.abs(expected[k]))) {
                    failures.add("version " + a.version() + " row " + r + " logit " + k + " is " + got
                        + ", its network gives " + expected[k]);
                    return;
                }
            }
        }
    }

    private static double rejected(RoleMetrics metrics, String reason) {
        return metrics.registry().find("distill.snapshots.rejected").tag("reason", reason).counter().count();
    }

    private static void awaitVersion(ServeService service, long version, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (service.state().currentVersion() < version && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(service.state().currentVersion()).as("served version").isEqualTo(version);
    }

    private static void sleepUntil(long nanos) throws InterruptedException {
        long ms = (nanos - System.nanoTime()) / 1_000_000;
        if (ms > 0) {
            Thread.sleep(ms);
        }
    }

    private static String loadAverage() {
        return String.format("%.2f", java.lang.management.ManagementFactory.getOperatingSystemMXBean()
            .getSystemLoadAverage());
    }
}
