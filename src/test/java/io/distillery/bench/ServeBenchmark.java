package io.distillery.bench;

import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.Config;
import io.distillery.inference.Engine;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.serving.NetworkModelLoader;
import io.distillery.serving.ServeService;
import io.distillery.serving.ServedModel;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.InferClient;
import io.distillery.testing.Latencies;
import io.distillery.testing.Pipelines;
import io.distillery.testing.StudentSnapshots;
import io.distillery.testing.SwapTimes;
import io.distillery.topics.Topics;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Serving benchmark of a 784-128-10 student: requests per second and client-side p50/p99 latency of
 * single-row and 32-row infer requests over loopback HTTP, steady and during a swap storm (a new snapshot
 * every 100 ms through a real in-process KRaft broker and the {@code SnapshotFollower}), the time from a
 * snapshot's publication to the first answer computed with it, and DL4J's own cost per {@code output()}
 * call measured in the same run. Prints markdown tables on stdout; logs go to stderr.
 *
 * <p>Everything runs in this JVM (broker, server, clients, publisher), so on a small machine they compete
 * for the same cores: read the numbers as this box's, with its load average, which is printed.
 *
 * <p>Options: {@code --clients N} (4), {@code --threads N} server worker threads and model copies (2),
 * {@code --warmup S} (3), {@code --seconds S} measured per phase (15), {@code --period-ms N} (100).
 */
public final class ServeBenchmark {
    private static final int FEATURES = 784;
    private static final int HIDDEN = 128;
    private static final int CLASSES = 10;

    private record Options(int clients, int threads, long warmupMs, long measureMs, long periodMs) {
        static Options parse(String[] args) {
            Map<String, String> m = new HashMap<>();
            for (int i = 0; i + 1 < args.length; i += 2) {
                if (!args[i].startsWith("--")) {
                    throw new IllegalArgumentException("expected --option value, got " + args[i]);
                }
                m.put(args[i].substring(2), args[i + 1]);
            }
            Options o = new Options(Integer.parseInt(m.getOrDefault("clients", "4")),
                Integer.parseInt(m.getOrDefault("threads", "2")),
                (long) (Double.parseDouble(m.getOrDefault("warmup", "3")) * 1000),
                (long) (Double.parseDouble(m.getOrDefault("seconds", "15")) * 1000),
                Long.parseLong(m.getOrDefault("period-ms", "100")));
            if (o.clients < 1 || o.clients > 64 || o.threads < 1 || o.measureMs < 1000 || o.measureMs > 300_000
                || o.periodMs < 10) {
                throw new IllegalArgumentException("bounds: 1 <= clients <= 64, threads >= 1, 1 <= seconds <= 300,"
                    + " period-ms >= 10; got " + o);
            }
            return o;
        }
    }

    /** One row of the results table. */
    private record Row(int rows, String phase, LoadPhase.Result result, SwapTimes.Summary swaps) {
    }

    private ServeBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        double loadBefore = load();
        Path dir = Files.createTempDirectory("distill-bench-kafka");
        List<Row> rows = new ArrayList<>();
        Latencies[] dl4j;
        Latencies swapWork;
        int snapshotBytes;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
                "data.features", Integer.toString(FEATURES), "data.classes", Integer.toString(CLASSES),
                "serve.host", "127.0.0.1", "serve.port", "0", "serve.threads", Integer.toString(o.threads)));
            Pipelines.createTopics(config);
            StudentSnapshots snapshots = new StudentSnapshots(FEATURES, HIDDEN, CLASSES, 4);
            try (RoleMetrics metrics = new RoleMetrics();
                 ServeService service = new ServeService(config, metrics);
                 SnapshotPublisher publisher = SnapshotPublisher.create(config, Topics.STUDENT_SNAPSHOTS)) {
                service.start();
                AtomicLong version = new AtomicLong(1);
                publisher.publish("student", snapshots.encoded(1));
                awaitVersion(service, 1);
                dl4j = dl4jCost();
                swapWork = swapWork(snapshots, o.threads);
                snapshotBytes = snapshots.encodedSize();
                String single = InferClient.body(batch(1));
                String batch32 = InferClient.body(batch(32));
                // JIT and connection warm-up, not reported
                LoadPhase.run(service.url(), single, o.clients, 0, 5000, new SwapTimes());
                for (int n : new int[] {1, 32}) {
                    String body = n == 1 ? single : batch32;
                    rows.add(new Row(n, "steady",
                        LoadPhase.run(service.url(), body, o.clients, o.warmupMs, o.measureMs, new SwapTimes()), null));
                    SwapTimes times = new SwapTimes();
                    // stops a second before the clients, so the last versions can still be answered
                    long stormEnd = System.nanoTime() + (o.warmupMs + o.measureMs - 1000) * 1_000_000;
                    Thread storm = new Thread(() -> storm(publisher, snapshots, version, o.periodMs, times, stormEnd),
                        "bench-storm");
                    storm.start();
                    LoadPhase.Result r = LoadPhase.run(service.url(), body, o.clients, o.warmupMs, o.measureMs, times);
                    storm.join();
                    awaitVersion(service, version.get());
                    rows.add(new Row(n, "swap storm", r, times.summary()));
                }
            }
        } finally {
            deleteTree(dir);
        }
        print(o, rows, dl4j, swapWork, snapshotBytes, loadBefore, load());
    }

    /** Publishes a new version every period until {@code end}; the publication time is taken before the send. */
    private static void storm(SnapshotPublisher publisher, StudentSnapshots snapshots, AtomicLong version,
                              long periodMs, SwapTimes times, long end) {
        long start = System.nanoTime();
        for (long tick = 1; System.nanoTime() < end; tick++) {
            long v = version.incrementAndGet();
            byte[] encoded = snapshots.encoded(v);
            times.published(v, System.nanoTime());
            publisher.publish("student", encoded);
            long wait = (start + tick * periodMs * 1_000_000 - System.nanoTime()) / 1_000_000;
            if (wait > 0) {
                try {
                    Thread.sleep(wait);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** DL4J's own time per {@code output()} call on one network, one row and 32 rows, no HTTP. */
    private static Latencies[] dl4jCost() {
        Network net = Network.student(NetworkSpec.of(FEATURES, List.of(HIDDEN), CLASSES), new DistillationSpec(1, 0.5));
        Latencies[] out = new Latencies[2];
        int i = 0;
        for (float[][] rows : List.of(batch(1), batch(32))) {
            for (int w = 0; w < 2000; w++) {
                net.logits(rows);
            }
            long[] t = new long[5000];
            for (int k = 0; k < t.length; k++) {
                long s = System.nanoTime();
                net.logits(rows);
                t[k] = System.nanoTime() - s;
            }
            out[i++] = Latencies.of(t);
        }
        return out;
    }

    private static float[][] batch(int n) {
        Random random = new Random(7);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = StudentSnapshots.randomRow(FEATURES, random);
        }
        return rows;
    }

    /**
     * What the serving side does per snapshot, without Kafka: verify the signature and checksum, restore the
     * network, run the test prediction, build {@code copies - 1} more copies for the pool.
     */
    private static Latencies swapWork(StudentSnapshots snapshots, int copies) throws SnapshotException {
        NetworkModelLoader loader = new NetworkModelLoader(Engine.ONNX);
        long[] t = new long[40];
        for (int k = -10; k < t.length; k++) {
            byte[] encoded = snapshots.encoded(1000 + k);
            long s = System.nanoTime();
            Snapshot snapshot = snapshots.codec().decode(encoded);
            ServedModel.of(snapshot.manifest(), loader.load(snapshot), copies);
            if (k >= 0) {
                t[k] = System.nanoTime() - s;
            }
        }
        return Latencies.of(t);
    }

    private static void print(Options o, List<Row> rows, Latencies[] dl4j, Latencies swap, int snapshotBytes, double loadBefore,
                              double loadAfter) {
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%n## Serving benchmark: student %d-%d-%d, %d client threads, "
                + "serve.threads=%d, %.0f s measured per phase after %.0f s warm-up, a snapshot every %d ms in storms%n%n",
            FEATURES, HIDDEN, CLASSES, o.clients, o.threads, o.measureMs / 1000.0, o.warmupMs / 1000.0, o.periodMs));
        b.append(String.format(Locale.ROOT, "Machine: %d cores, load average %.2f before, %.2f after; JDK %s%n%n",
            Runtime.getRuntime().availableProcessors(), loadBefore, loadAfter, System.getProperty("java.version")));
        b.append("| rows/request | phase | requests/s | rows/s | p50 ms | p99 ms | max ms | errors |\n");
        b.append("|---|---|---|---|---|---|---|---|\n");
        for (Row r : rows) {
            Latencies l = r.result.latencies();
            b.append(String.format(Locale.ROOT, "| %d | %s | %.0f | %.0f | %.2f | %.2f | %.1f | %d |%n", r.rows, r.phase,
                r.result.requestsPerSecond(), r.result.requestsPerSecond() * r.rows, l.p50Ms(), l.p99Ms(), l.maxMs(),
                r.result.errors()));
        }
        b.append("\n| rows/request | storm p99 / steady p99 | versions published | never answered "
            + "| publication → first answer with it, p50 / p99 ms | → first answer with it or newer, p99 ms |\n");
        b.append("|---|---|---|---|---|---|\n");
        for (int i = 1; i < rows.size(); i += 2) {
            Row steady = rows.get(i - 1);
            Row storm = rows.get(i);
            SwapTimes.Summary s = storm.swaps;
            b.append(String.format(Locale.ROOT, "| %d | %.2f× | %d | %d | %.1f / %.1f | %.1f |%n", storm.rows,
                (double) storm.result.latencies().p99Nanos() / Math.max(1, steady.result.latencies().p99Nanos()),
                s.versions(), s.unanswered(), s.toFirstAnswer().p50Ms(), s.toFirstAnswer().p99Ms(),
                s.toFirstAtLeast().p99Ms()));
        }
        b.append(String.format(Locale.ROOT, "%nDL4J alone, `output()` on one network, same JVM: one row p50 %.3f ms, "
                + "p99 %.3f ms; 32 rows p50 %.3f ms, p99 %.3f ms%n", dl4j[0].p50Ms(), dl4j[0].p99Ms(), dl4j[1].p50Ms(),
            dl4j[1].p99Ms()));
        b.append(String.format(Locale.ROOT, "Serving's work per snapshot (decode and verify %d KB, restore, test "
                + "prediction, pool of %d), no Kafka: p50 %.1f ms, p99 %.1f ms%n", snapshotBytes / 1024, o.threads,
            swap.p50Ms(), swap.p99Ms()));
        System.out.print(b);
        System.out.flush();
    }

    private static void awaitVersion(ServeService service, long version) throws InterruptedException {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (service.state().currentVersion() < version) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("version " + version + " not served within 60 s; serving "
                    + service.state().currentVersion());
            }
            Thread.sleep(5);
        }
    }

    private static double load() {
        return ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
