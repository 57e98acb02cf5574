package io.distillery.bench;

import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.Config;
import io.distillery.config.ServeSettings;
import io.distillery.inference.Engine;
import io.distillery.metrics.RoleMetrics;
import io.distillery.os.ThreadSlice;
import io.distillery.serving.ServeService;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.testing.HttpFuzz;
import io.distillery.testing.InferClient;
import io.distillery.testing.Latencies;
import io.distillery.testing.Pipelines;
import io.distillery.testing.RawHttp;
import io.distillery.testing.StudentSnapshots;
import io.distillery.testing.SwapTimes;
import io.distillery.testing.TempDirs;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;

/**
 * Serving benchmark of a 784-128-10 student in three modes with the same clients, in one run: {@code dl4j}
 * with JSON requests, {@code onnx} with JSON, {@code onnx} with the binary tensor data extension (requests
 * and answers). Per mode: one-row requests per second and their p99 steady and during a swap storm (a new
 * snapshot every 100 ms through a real in-process KRaft broker and the {@code SnapshotFollower}), 32-row
 * rows per second, and the time from a snapshot's publication to the first answer computed with it; then
 * the targets, met or not. Before each storm the same messages are published at the same pace to a
 * topic nobody follows, under the same one-row load: the p99 of the storm's traffic alone (publisher and broker
 * on the benchmark's cores, no swap), so that what the storm adds is split into what this box's Kafka costs and
 * what serving's swaps cost. Before each engine's phases the request paths and the swap path ({@code
 * --swap-warmup} snapshots, one per period, under one-row load) are run unmeasured, for the JIT. Each phase starts
 * after a full collection; a storm's snapshots are
 * encoded and signed before it starts (the student's work, not serving's), then published on time. With {@code --attack}: one mode ({@code onnx}+JSON, one row), its p99
 * without and with hostile clients ({@link HttpFuzz}: malformed requests and 20 stalled sockets) in the
 * same run. With {@code --promotion true}: one mode ({@code onnx}+JSON, one row) served with
 * {@code serve.promotion=immediate} and then {@code shadow}, while the student's own network writes teacher
 * logits (so every candidate passes) and a new snapshot is published every {@code --promotion-period-ms}:
 * publication → first answer in each promotion mode. Prints markdown on stdout; logs go to stderr.
 *
 * <p>Everything runs in this JVM (broker, server, clients, publisher; the broker in a child JVM at nice 19 with
 * {@code --broker child}), so on a small machine they compete for the same cores: read the numbers as this
 * box's, with its load average, which is printed; the ratios between modes of one run are what the targets
 * compare.
 *
 * <p>Options: {@code --clients N} (4), {@code --threads N} server worker threads and model copies (2),
 * {@code --warmup S} (2), {@code --seconds S} measured per phase (8), {@code --period-ms N} (100),
 * {@code --attack true|false} (false), {@code --promotion true|false} (false), {@code --promotion-rows N} (100),
 * {@code --promotion-period-ms N} (1000), {@code --broker in-process|child|HOST:PORT} (in-process: the broker runs
 * in this JVM at the same priority; child: in a child JVM at nice 19, standing in for a broker on other machines; on
 * a saturated box it then delivers late, which lengthens publication → first answer; HOST:PORT: a cluster on other
 * machines, as deployed, reached over PLAINTEXT, which must not have the service's topics: the benchmark creates
 * them with one replica each, publishes its own snapshots and deletes them at the end), {@code --slice-us N}
 * ({@code serve.request.slice.us}, whose default it takes; the client threads ask for the same slice, 0 = the
 * kernel's), {@code --trace true} (after the tables, where each mode's slowest storm requests were sent
 * relative to the newest publication, for the saturated storm and, with {@code --paced}, for the paced phases:
 * {@link StormTrace}), {@code --paced F} (0.5: after each mode's phases, its
 * one-row load offered at F times the one-row rate it reached, each client on a fixed schedule ({@link
 * LoadPhase#paced}), steady and in a storm; 0 = not run), {@code --paced-seconds N} (the paced phases' measured
 * window, default {@code --seconds}: at half load a phase's p99 can rest on one or two stalls, so a longer window
 * gives a steadier ratio), {@code --paced-pairs N} (1: the paced phases run N times as a steady phase, the storm's
 * traffic alone and a storm, one after the other, and each kind's requests are pooled, so that a stall lands in any
 * kind as often; each pair's storm / steady and storm / traffic ratios are printed too), {@code --swap-warmup N}
 * (400: snapshots published to warm the swap path up before each engine's measured phases; the JIT compiles a
 * method after about 200 calls, and the swap path's methods are called once per snapshot, so with fewer the
 * measured storms pay for its compilation: docs/serving-benchmark.md), {@code --snapshot-format 4} (the snapshots
 * as format 4 writes them, the weights in the network section and in the ONNX graph: about twice the bytes of format
 * 5's, which leaves them to the graph), {@code --optimizer-state true} (every snapshot with the optimizer state, in
 * format 4, about four times the bytes, as a running student's snapshots carried it before its checkpoints took it).
 */
public final class ServeBenchmark {
    private static final CompilationMXBean JIT = ManagementFactory.getCompilationMXBean();
    private static final int FEATURES = 784;
    private static final int HIDDEN = 128;
    private static final int CLASSES = 10;
    private static final String INFER = "/v2/models/student/infer";
    /** The storm's messages with no follower: what publishing them costs this box, without any swap. */
    private static final TopicSpec TRAFFIC = new TopicSpec("bench.storm.traffic",
        "the storm's snapshots, followed by nobody", true, 1);
    /** Every topic the benchmark creates: the service's and the storm's traffic topic. */
    private static final List<TopicSpec> TOPICS = Stream.concat(Topics.ALL.stream(), Stream.of(TRAFFIC)).toList();

    private record Options(int clients, int threads, long warmupMs, long measureMs, long periodMs, boolean attack,
                           boolean promotion, int promotionRows, long promotionPeriodMs, String broker,
                           boolean trace, int sliceMicros, double paced, long pacedMeasureMs, int pacedPairs,
                           int swapWarmup, int snapshotFormat, boolean optimizerState) {
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
                (long) (Double.parseDouble(m.getOrDefault("warmup", "2")) * 1000),
                (long) (Double.parseDouble(m.getOrDefault("seconds", "8")) * 1000),
                Long.parseLong(m.getOrDefault("period-ms", "100")), Boolean.parseBoolean(m.get("attack")),
                Boolean.parseBoolean(m.get("promotion")), Integer.parseInt(m.getOrDefault("promotion-rows", "100")),
                Long.parseLong(m.getOrDefault("promotion-period-ms", "1000")),
                m.getOrDefault("broker", "in-process"), Boolean.parseBoolean(m.get("trace")),
                Integer.parseInt(m.getOrDefault("slice-us", ServeSettings.REQUEST_SLICE_US.defaultValue())),
                Double.parseDouble(m.getOrDefault("paced", "0.5")),
                (long) (Double.parseDouble(m.getOrDefault("paced-seconds", m.getOrDefault("seconds", "8"))) * 1000),
                Integer.parseInt(m.getOrDefault("paced-pairs", "1")),
                Integer.parseInt(m.getOrDefault("swap-warmup", "400")),
                Integer.parseInt(m.getOrDefault("snapshot-format", "5")),
                Boolean.parseBoolean(m.get("optimizer-state")));
            if (o.snapshotFormat != 4 && o.snapshotFormat != 5) {
                throw new IllegalArgumentException("--snapshot-format 4|5, got " + o.snapshotFormat);
            }
            if (!List.of("child", "in-process").contains(o.broker)
                && !o.broker.matches("[^\\s:,]+:\\d+(,[^\\s:,]+:\\d+)*")) {
                throw new IllegalArgumentException("--broker in-process|child|HOST:PORT[,HOST:PORT...], got "
                    + o.broker);
            }
            if (o.clients < 1 || o.clients > 64 || o.threads < 1 || o.measureMs < 1000 || o.measureMs > 300_000
                || o.periodMs < 10 || o.swapWarmup < 0 || o.promotionRows < 1 || o.promotionPeriodMs < 10
                || o.paced < 0 || o.paced > 1 || o.pacedMeasureMs < 1000 || o.pacedMeasureMs > 300_000
                || o.pacedPairs < 1 || o.pacedPairs > 10
                || o.sliceMicros != 0 && (o.sliceMicros * 1000L < ThreadSlice.MIN_NANOS
                    || o.sliceMicros * 1000L > ThreadSlice.MAX_NANOS)) {
                throw new IllegalArgumentException("bounds: 1 <= clients <= 64, threads >= 1, 1 <= seconds <= 300,"
                    + " period-ms >= 10, swap-warmup >= 0, promotion-rows >= 1, promotion-period-ms >= 10,"
                    + " slice-us 0 or in [100, 100000],"
                    + " 0 <= paced <= 1, 1 <= paced-seconds <= 300, 1 <= paced-pairs <= 10;"
                    + " got " + o);
            }
            return o;
        }
    }

    /** An engine and an encoding of requests and answers. */
    private enum Mode {
        DL4J_JSON(Engine.DL4J, false), ONNX_JSON(Engine.ONNX, false), ONNX_BINARY(Engine.ONNX, true);

        final Engine engine;
        final boolean binary;

        Mode(Engine engine, boolean binary) {
            this.engine = engine;
            this.binary = binary;
        }

        String label() {
            return engine.tag() + "+" + (binary ? "binary" : "JSON");
        }

        byte[] request(float[][] rows) {
            if (!binary) {
                return RawHttp.request("POST", INFER, InferClient.body(rows).getBytes(StandardCharsets.US_ASCII),
                    "Content-Type", "application/json");
            }
            InferClient.BinaryBody b = InferClient.binaryBody(rows);
            return RawHttp.request("POST", INFER, b.bytes(), "Content-Type", "application/octet-stream",
                "Inference-Header-Content-Length", Integer.toString(b.headerLength()));
        }
    }

    /** What one mode gave. */
    private record ModeResult(Mode mode, LoadPhase.Result single, LoadPhase.Result traffic, LoadPhase.Result storm,
                              LoadPhase.Result batch, SwapTimes.Summary swaps, String trace, Paced paced) {
    }

    private ServeBenchmark() {
    }

    /** The benchmark's Kafka broker: in this JVM (the default), a child JVM at nice 19, or a cluster elsewhere. */
    private interface Broker extends AutoCloseable {
        String bootstrapServers();

        static Broker of(String broker, Path dir) throws Exception {
            return switch (broker) {
                case "in-process" -> inProcess(dir);
                case "child" -> child(dir);
                default -> external(broker);
            };
        }

        /**
         * A cluster on other machines, as a deployment has: the benchmark publishes its own student snapshots under
         * the service's topic names, so it refuses a cluster that has any of them, and deletes the ones it created
         * when it ends.
         */
        static Broker external(String bootstrap) throws Exception {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                List<String> there = present(admin);
                if (!there.isEmpty()) {
                    throw new IllegalStateException("the cluster at " + bootstrap + " already has " + there + ": the "
                        + "benchmark publishes its own student snapshots under the service's topic names, so it "
                        + "needs a cluster without them (it deletes what it created when it ends)");
                }
            }
            return new Broker() {
                @Override
                public String bootstrapServers() {
                    return bootstrap;
                }

                @Override
                public void close() throws Exception {
                    try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                        admin.deleteTopics(present(admin)).all().get();
                    }
                }
            };
        }

        /** The names of the benchmark's topics that the cluster has. */
        private static List<String> present(Admin admin) throws Exception {
            Set<String> there = admin.listTopics().names().get();
            return TOPICS.stream().map(TopicSpec::name).filter(there::contains).toList();
        }

        static Broker child(Path dir) throws Exception {
            ChildBroker child = ChildBroker.start(dir);
            return new Broker() {
                @Override
                public String bootstrapServers() {
                    return child.bootstrapServers();
                }

                @Override
                public void close() throws Exception {
                    child.close();
                }
            };
        }

        static Broker inProcess(Path dir) {
            EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir));
            return new Broker() {
                @Override
                public String bootstrapServers() {
                    return kafka.bootstrapServers();
                }

                @Override
                public void close() {
                    kafka.close();
                }
            };
        }
    }

    public static void main(String[] args) throws Exception {
        Options o = Options.parse(args);
        double loadBefore = load();
        Path dir = Files.createTempDirectory("distill-bench-kafka");
        List<ModeResult> results = new ArrayList<>();
        String phase = null;
        int snapshotBytes = 0;
        try (Broker kafka = Broker.of(o.broker, dir)) {
            // one network for every version when promotion is measured: the teacher logits are its own
            int variants = o.promotion ? 1 : 4;
            StudentSnapshots snapshots = o.optimizerState
                ? StudentSnapshots.trainedWithState(FEATURES, HIDDEN, CLASSES, variants)
                : o.snapshotFormat == 4 ? StudentSnapshots.trainedFormat4(FEATURES, HIDDEN, CLASSES, variants)
                : StudentSnapshots.trained(FEATURES, HIDDEN, CLASSES, variants);
            Config base = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of(
                "data.features", Integer.toString(FEATURES), "data.classes", Integer.toString(CLASSES),
                "serve.host", "127.0.0.1", "serve.port", "0", "serve.threads", Integer.toString(o.threads),
                "serve.request.slice.us", Integer.toString(o.sliceMicros)));
            // the clients stand in for other machines: with the server's slice, a verification does not
            // delay their side of a request either (it would not run beside them there)
            LoadPhase.clientSlice(o.sliceMicros * 1000L);
            Pipelines.createTopics(base, TOPICS);
            try (SnapshotPublisher publisher = SnapshotPublisher.create(base, Topics.STUDENT_SNAPSHOTS);
                 SnapshotPublisher traffic = SnapshotPublisher.create(base, TRAFFIC)) {
                AtomicLong version = new AtomicLong(1);
                byte[] first = snapshots.encodedWithOnnx(1);
                snapshotBytes = first.length;
                checkStormsFit(o, first.length);
                publisher.publish("student", first);
                if (o.attack) {
                    phase = attack(o, base, publisher, snapshots, version);
                } else if (o.promotion) {
                    phase = PromotionPhase.run(o.clients, o.warmupMs, o.measureMs, o.promotionRows,
                        o.promotionPeriodMs, base, publisher, snapshots, version, Mode.ONNX_JSON.request(batch(1)),
                        batch(256));
                } else {
                    for (Engine engine : List.of(Engine.DL4J, Engine.ONNX)) {
                        try (RoleMetrics metrics = new RoleMetrics();
                             ServeService service = new ServeService(base.with(Map.of("inference.engine",
                                 engine.tag())), metrics)) {
                            service.start();
                            awaitVersion(service, version.get());
                            // JIT and connection warm-up, not reported
                            LoadPhase.run(service.port(), Mode.ONNX_BINARY.request(batch(1)), o.clients, 0, 4000,
                                new SwapTimes());
                            LoadPhase.run(service.port(), Mode.ONNX_JSON.request(batch(1)), o.clients, 0, 4000,
                                new SwapTimes());
                            LongFunction<byte[]> encoder = snapshots::encodedWithOnnx;
                            warmSwapPath(o, service, publisher, encoder, version);
                            for (Mode mode : Mode.values()) {
                                if (mode.engine == engine) {
                                    results.add(measure(o, mode, service, publisher, traffic, encoder, version));
                                }
                            }
                        }
                    }
                }
            }
        } finally {
            TempDirs.delete(dir);
        }
        System.out.print(phase != null ? header(o, snapshotBytes, loadBefore) + phase
            : print(o, snapshotBytes, results, loadBefore));
        System.out.flush();
    }

    /**
     * JIT warm-up of the swap path, not reported, as the request paths get theirs: {@code --swap-warmup} snapshots
     * one per period while the clients send one-row requests (a long-running serving instance has compiled the
     * follower's code, the signature check and the gate; without this, the first storms compile them beside the
     * measured requests).
     */
    private static void warmSwapPath(Options o, ServeService service, SnapshotPublisher publisher,
                                     LongFunction<byte[]> encoder, AtomicLong version) throws InterruptedException {
        List<byte[]> storming = encodedWhenTaken(encoder, version.get(), o.swapWarmup);
        Thread storm = new Thread(() -> storm(publisher, storming, version, o.periodMs, new SwapTimes(),
            Long.MAX_VALUE), "bench-storm-warmup");
        storm.start();
        LoadPhase.run(service.port(), Mode.ONNX_BINARY.request(batch(1)), o.clients, 0,
            o.swapWarmup * o.periodMs + 1000, new SwapTimes());
        storm.join();
        awaitVersion(service, version.get());
    }

    private static ModeResult measure(Options o, Mode mode, ServeService service, SnapshotPublisher publisher,
                                      SnapshotPublisher trafficPublisher, LongFunction<byte[]> encoder,
                                      AtomicLong version) throws InterruptedException {
        byte[] one = mode.request(batch(1));
        System.gc();
        LoadPhase.Result single = logged(mode.label() + " one-row, steady", () -> LoadPhase.run(service.port(), one,
            o.clients, o.warmupMs, o.measureMs, new SwapTimes()));
        System.gc();
        LoadPhase.Result batch = logged(mode.label() + " 32 rows, steady", () -> LoadPhase.run(service.port(),
            mode.request(batch(32)), o.clients, o.warmupMs, o.measureMs, new SwapTimes()));
        // the student's work (export, checksums, signature) is done before the storm, as on its own machine;
        // the storm publishes them through the broker, and serving verifies each in full
        List<byte[]> storming = preEncoded(encoder, version.get(), (o.warmupMs + o.measureMs) / o.periodMs);
        System.gc();
        // the same messages at the same pace to a topic serving does not follow: the traffic alone
        LoadPhase.Result traffic = logged(mode.label() + " one-row, the storm's traffic alone", () -> underStorm(o,
            o.measureMs, 0, service, one, trafficPublisher, storming, new AtomicLong(version.get()), new SwapTimes(),
            null));
        System.gc();
        SwapTimes times = new SwapTimes();
        StringBuilder reports = new StringBuilder();
        LoadPhase.Result stormed = traced(o, mode.label() + " one-row, swap storm", times, reports,
            trace -> underStorm(o, o.measureMs, 0, service, one, publisher, storming, version, times, trace));
        awaitVersion(service, version.get());
        Paced paced = null;
        if (o.paced > 0) {
            double rate = o.paced * single.requestsPerSecond();
            String label = mode.label() + " one-row at " + Math.round(o.paced * 100) + "% of its rate, ";
            List<LoadPhase.Result> steadies = new ArrayList<>();
            List<LoadPhase.Result> traffics = new ArrayList<>();
            List<LoadPhase.Result> storms = new ArrayList<>();
            for (int pair = 1; pair <= o.pacedPairs; pair++) {
                String of = o.pacedPairs == 1 ? "" : " (pair " + pair + " of " + o.pacedPairs + ")";
                System.gc();
                SwapTimes steadyTimes = new SwapTimes();
                steadies.add(traced(o, label + "steady" + of, steadyTimes, reports, trace -> LoadPhase.paced(
                    service.port(), one, o.clients, rate, o.warmupMs, o.pacedMeasureMs, steadyTimes, trace)));
                List<byte[]> pacedStorm = preEncoded(encoder, version.get(),
                    (o.warmupMs + o.pacedMeasureMs) / o.periodMs);
                System.gc();
                traffics.add(logged(label + "the storm's traffic alone" + of, () -> underStorm(o, o.pacedMeasureMs,
                    rate, service, one, trafficPublisher, pacedStorm, new AtomicLong(version.get()), new SwapTimes(),
                    null)));
                System.gc();
                SwapTimes pacedTimes = new SwapTimes();
                storms.add(traced(o, label + "swap storm" + of, pacedTimes, reports,
                    trace -> underStorm(o, o.pacedMeasureMs, rate, service, one, publisher, pacedStorm, version,
                        pacedTimes, trace)));
                awaitVersion(service, version.get());
            }
            paced = Paced.of(rate, steadies, traffics, storms);
        }
        return new ModeResult(mode, single, traffic, stormed, batch, times.summary(), reports.toString(), paced);
    }

    /** A load phase given the trace to record into, or null when untraced. */
    @FunctionalInterface
    private interface TracedPhase {
        LoadPhase.Result run(StormTrace trace) throws InterruptedException;
    }

    /**
     * Runs {@code phase}, with {@code --trace true} traced and its report (under {@code label}, its requests placed
     * against the publications in {@code times}: none for a steady phase) appended to {@code reports}.
     */
    private static LoadPhase.Result traced(Options o, String label, SwapTimes times, StringBuilder reports,
                                           TracedPhase phase) throws InterruptedException {
        try (StormTrace trace = o.trace ? new StormTrace() : null) {
            LoadPhase.Result result = logged(label, () -> phase.run(trace));
            if (trace != null) {
                reports.append(trace.report(label, o.periodMs, times.publicationTimes()));
            }
            return result;
        }
    }

    /**
     * Runs {@code phase}, marking on the log when it begins and ends, in seconds of {@code CLOCK_MONOTONIC} (for a
     * kernel trace of one phase: bench/sched-window.py), and how long the JIT compiled meanwhile.
     */
    private static LoadPhase.Result logged(String label, Phase phase) throws InterruptedException {
        System.err.printf(Locale.ROOT, "phase begins at %.3f s: %s%n", System.nanoTime() / 1e9, label);
        long compiling = JIT.getTotalCompilationTime();
        LoadPhase.Result result = phase.run();
        System.err.printf(Locale.ROOT, "phase ends at %.3f s: %s%n", System.nanoTime() / 1e9, label);
        System.err.printf(Locale.ROOT, "the JIT compiled for %d ms during the phase (warm-up included): %s%n",
            JIT.getTotalCompilationTime() - compiling, label);
        return result;
    }

    /** A load phase. */
    @FunctionalInterface
    private interface Phase {
        LoadPhase.Result run() throws InterruptedException;
    }

    /**
     * The one-row load offered at a fixed rate, steady, beside the storm's traffic alone and in a storm (open loop),
     * in groups of the three phases run one after the other; built by {@link #of}, which pools each kind's phases once
     * into {@code steady}, {@code traffic} and {@code storm}.
     */
    private record Paced(double rate, List<LoadPhase.Result> steadies, List<LoadPhase.Result> traffics,
                         List<LoadPhase.Result> storms, LoadPhase.Result steady, LoadPhase.Result traffic,
                         LoadPhase.Result storm) {
        static Paced of(double rate, List<LoadPhase.Result> steadies, List<LoadPhase.Result> traffics,
                        List<LoadPhase.Result> storms) {
            return new Paced(rate, steadies, traffics, storms, LoadPhase.Result.pooled(steadies),
                LoadPhase.Result.pooled(traffics), LoadPhase.Result.pooled(storms));
        }

        double ratio() {
            return storm.p99Over(steady);
        }

        /** What serving's swaps add beyond this box's publisher and broker: the storm p99 over its traffic's. */
        double overTraffic() {
            return storm.p99Over(traffic);
        }

        /** Each pair's storm p99 over its steady p99. */
        List<Double> pairRatios() {
            return ratios(storms, steadies);
        }

        /** Each pair's storm p99 over the p99 of its traffic alone. */
        List<Double> pairOverTraffic() {
            return ratios(storms, traffics);
        }

        private static List<Double> ratios(List<LoadPhase.Result> over, List<LoadPhase.Result> under) {
            List<Double> out = new ArrayList<>();
            for (int i = 0; i < over.size(); i++) {
                out.add(over.get(i).p99Over(under.get(i)));
            }
            return out;
        }
    }

    /**
     * One load phase of {@code request} while {@code encoded} are published one per period after {@code versions}
     * (recorded in {@code times}), the load offered at {@code perSecond} requests a second (0: back to back); the
     * publishing stops a second before the clients, so the last versions can still be answered.
     */
    private static LoadPhase.Result underStorm(Options o, long measureMs, double perSecond, ServeService service,
                                               byte[] request, SnapshotPublisher publisher, List<byte[]> encoded,
                                               AtomicLong versions, SwapTimes times, StormTrace trace)
            throws InterruptedException {
        long end = System.nanoTime() + (o.warmupMs + measureMs - 1000) * 1_000_000;
        Thread storm = new Thread(() -> storm(publisher, encoded, versions, o.periodMs, times, end), "bench-storm");
        storm.start();
        LoadPhase.Result result = LoadPhase.paced(service.port(), request, o.clients, perSecond, o.warmupMs,
            measureMs, times, trace);
        storm.join();
        return result;
    }

    /** The normal one-row load's p99 without and then with hostile clients, same server, same run. */
    private static String attack(Options o, Config base, SnapshotPublisher publisher, StudentSnapshots snapshots,
                                 AtomicLong version) throws Exception {
        try (RoleMetrics metrics = new RoleMetrics(); ServeService service = new ServeService(base, metrics)) {
            service.start();
            awaitVersion(service, version.get());
            byte[] one = Mode.ONNX_JSON.request(batch(1));
            LoadPhase.run(service.port(), one, o.clients, 0, 4000, new SwapTimes());
            LoadPhase.Result quiet = LoadPhase.run(service.port(), one, o.clients, o.warmupMs, o.measureMs,
                new SwapTimes());
            HttpFuzz.Report report;
            LoadPhase.Result attacked;
            try (HttpFuzz fuzz = HttpFuzz.start(service.port(), FEATURES, 42, 20)) {
                attacked = LoadPhase.run(service.port(), one, o.clients, o.warmupMs, o.measureMs, new SwapTimes());
                report = fuzz.stop();
            }
            StringBuilder b = new StringBuilder();
            b.append("| normal load, onnx+JSON, one row | requests/s | p50 ms | p99 ms | max ms | errors |\n");
            b.append("|---|---|---|---|---|---|\n");
            for (var e : Map.of("without attack", quiet, "with attack", attacked).entrySet().stream()
                .sorted(Map.Entry.comparingByKey(Comparator.reverseOrder())).toList()) {
                Latencies l = e.getValue().latencies();
                b.append(String.format(Locale.ROOT, "| %s | %.0f | %.2f | %.2f | %.1f | %d |%n", e.getKey(),
                    e.getValue().requestsPerSecond(), l.p50Ms(), l.p99Ms(), l.maxMs(), e.getValue().errors()));
            }
            b.append(String.format(Locale.ROOT, "%nAttack during the second phase: %s%n", report));
            b.append(String.format(Locale.ROOT, "p99 with attack / without: %.2f×%n",
                attacked.p99Over(quiet)));
            return b.toString();
        }
    }

    /** Versions {@code from + 1} onwards, {@code count} of them, with their ONNX graphs, encoded and signed. */
    static List<byte[]> preEncoded(StudentSnapshots snapshots, long from, long count) {
        return preEncoded(snapshots::encodedWithOnnx, from, count);
    }

    /** Versions {@code from + 1} onwards, {@code count} of them, each as {@code encode} gives it. */
    private static List<byte[]> preEncoded(LongFunction<byte[]> encode, long from, long count) {
        List<byte[]> encoded = new ArrayList<>();
        for (long v = from + 1; encoded.size() < count; v++) {
            encoded.add(encode.apply(v));
        }
        return encoded;
    }

    /**
     * As {@link #preEncoded}, but each is encoded when the storm takes it: for the unmeasured warm-up of the swap
     * path, whose hundreds of snapshots would not fit in the heap together.
     */
    private static List<byte[]> encodedWhenTaken(LongFunction<byte[]> encode, long from, int count) {
        return new AbstractList<>() {
            @Override
            public byte[] get(int index) {
                return encode.apply(from + 1 + Objects.checkIndex(index, count));
            }

            @Override
            public int size() {
                return count;
            }
        };
    }

    /**
     * Refuses, before any phase, options whose longest storm would not fit: each storm holds its snapshots encoded
     * ({@link #preEncoded}) in this JVM's heap; at most half of it is allowed them.
     */
    private static void checkStormsFit(Options o, int snapshotBytes) {
        long most = (o.warmupMs + Math.max(o.measureMs, o.pacedMeasureMs)) / o.periodMs;
        long held = most * snapshotBytes;
        if (held > Runtime.getRuntime().maxMemory() / 2) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, "a storm of %d snapshots of %d KB would "
                    + "hold %d MB of the heap's %d MB: shorten --seconds or --paced-seconds, or lengthen --period-ms",
                most, snapshotBytes / 1024, held >> 20, Runtime.getRuntime().maxMemory() >> 20));
        }
    }

    /**
     * Publishes the next version every period until {@code end} or the last of {@code encoded} (the versions after
     * {@code version}, in order); the publication time is taken before the send.
     */
    static void storm(SnapshotPublisher publisher, List<byte[]> encoded, AtomicLong version,
                              long periodMs, SwapTimes times, long end) {
        long start = System.nanoTime();
        for (long tick = 1; System.nanoTime() < end && tick <= encoded.size(); tick++) {
            long v = version.incrementAndGet();
            times.published(v, System.nanoTime());
            publisher.publish("student", encoded.get((int) tick - 1));
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

    private static float[][] batch(int n) {
        Random random = new Random(7);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = StudentSnapshots.randomRow(FEATURES, random);
        }
        return rows;
    }

    private static String header(Options o, int snapshotBytes, double loadBefore) {
        return String.format(Locale.ROOT, "%n## Serving benchmark: student %d-%d-%d, %d client threads (raw "
                + "keep-alive sockets), serve.threads=%d, serve.request.slice.us=%d (the clients' too), broker %s, "
                + "%.0f s measured per phase after %.0f s warm-up, "
                + "a snapshot of %,d bytes every %d ms in storms%s, the swap path warmed up with %d snapshots%n%n"
                + "Machine: %d cores, load average %.2f before, %.2f after; JDK %s; %s%n%n",
            FEATURES, HIDDEN, CLASSES, o.clients, o.threads, o.sliceMicros,
            switch (o.broker) {
                case "in-process" -> "in the benchmark's JVM";
                case "child" -> "in a child JVM at nice 19";
                default -> "at " + o.broker;
            }, o.measureMs / 1000.0,
            o.warmupMs / 1000.0, snapshotBytes, o.periodMs,
            o.optimizerState ? " (with the optimizer state, --optimizer-state: format 4)"
                : o.snapshotFormat == 4 ? " (format 4: the weights in both sections, --snapshot-format 4)" : "",
            o.swapWarmup,
            Runtime.getRuntime().availableProcessors(), loadBefore, load(), System.getProperty("java.version"),
            SegmentAppendCost.pageReporting());
    }

    private static String print(Options o, int snapshotBytes, List<ModeResult> results, double loadBefore) {
        StringBuilder b = new StringBuilder(header(o, snapshotBytes, loadBefore));
        b.append("| mode | one-row req/s | batch-32 rows/s | one-row p50 / p99 ms steady | one-row p99 ms, the storm's "
            + "traffic alone | one-row p99 ms swap storm | storm / steady p99 | publication → first answer p50 / p99 ms "
            + "| versions (never answered) | errors |\n|---|---|---|---|---|---|---|---|---|---|\n");
        for (ModeResult r : results) {
            SwapTimes.Summary s = r.swaps;
            b.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.2f / %.2f | %.2f (%.2f×) | %.2f | %.2f× "
                    + "| %.1f / %.1f | %d (%d) | %d |%n", r.mode.label(), r.single.requestsPerSecond(),
                r.batch.requestsPerSecond() * 32, r.single.latencies().p50Ms(), r.single.latencies().p99Ms(),
                r.traffic.latencies().p99Ms(), trafficRatio(r), r.storm.latencies().p99Ms(), stormRatio(r),
                s.toFirstAnswer().p50Ms(), s.toFirstAnswer().p99Ms(), s.versions(), s.unanswered(),
                r.single.errors() + r.batch.errors() + r.traffic.errors() + r.storm.errors()));
        }
        ModeResult dl4j = find(results, Mode.DL4J_JSON);
        ModeResult json = find(results, Mode.ONNX_JSON);
        ModeResult bin = find(results, Mode.ONNX_BINARY);
        double batchRatio = bin.batch.requestsPerSecond() / dl4j.batch.requestsPerSecond();
        double binOne = bin.single.requestsPerSecond() / dl4j.single.requestsPerSecond();
        double jsonOne = json.single.requestsPerSecond() / dl4j.single.requestsPerSecond();
        b.append(String.format(Locale.ROOT, "%nTargets:%n- batch-32 rows/s onnx+binary / dl4j+JSON = %.2f× (>= 3×): %s%n",
            batchRatio, met(batchRatio >= 3)));
        b.append(String.format(Locale.ROOT, "- one-row req/s onnx+binary / dl4j+JSON = %.2f× (>= 1.5×): %s; "
            + "onnx+JSON / dl4j+JSON = %.2f×: %s%n", binOne, met(binOne >= 1.5), jsonOne, met(jsonOne >= 1.5)));
        for (ModeResult r : results) {
            b.append(String.format(Locale.ROOT, "- %s: storm p99 / steady p99 = %.2f× (<= 1.5×): %s; publication → "
                    + "first answer p99 %.0f ms (< 1 s): %s%n", r.mode.label(), stormRatio(r), met(stormRatio(r) <= 1.5),
                r.swaps.toFirstAnswer().p99Ms(), met(r.swaps.toFirstAnswer().p99Ms() < 1000)));
        }
        if (o.paced > 0) {
            b.append(String.format(Locale.ROOT, "- at %.0f%% of each mode's one-row rate, offered on a schedule (open "
                + "loop): storm p99 / steady p99 %s%n", o.paced * 100, String.join(", ", results.stream()
                .map(r -> String.format(Locale.ROOT, "%s %.2f× (<= 1.5×): %s", r.mode.label(), r.paced.ratio(),
                    met(r.paced.ratio() <= 1.5))).toList())));
        }
        b.append("\nThe storm's traffic alone (the same messages, pace and load, to a topic nobody follows) / steady p99: ");
        b.append(String.join(", ", results.stream().map(r -> String.format(Locale.ROOT, "%s %.2f×", r.mode.label(),
            trafficRatio(r))).toList()));
        b.append(" (this box's publisher and broker beside serving, no swap)\n");
        if (o.paced > 0) {
            b.append(String.format(Locale.ROOT, "%nOne-row requests offered at %.0f%% of the mode's rate above, each "
                + "client on a fixed schedule (latency from the scheduled time when an earlier answer held a request "
                + "back), %.0f s measured per phase, in the order steady, the storm's traffic alone, storm%s:%n%n"
                + "| mode | offered req/s | answered req/s steady / storm | p50 / p99 ms steady "
                + "| p99 ms, the storm's traffic alone | p50 / p99 ms swap storm | storm / steady p99 "
                + "| storm / its traffic alone p99 | errors |%n|---|---|---|---|---|---|---|---|---|%n",
                o.paced * 100, o.pacedMeasureMs / 1000.0, o.pacedPairs == 1 ? "" : String.format(Locale.ROOT,
                    ", %d times, each kind's requests pooled", o.pacedPairs)));
            for (ModeResult r : results) {
                LoadPhase.Result steady = r.paced.steady();
                LoadPhase.Result traffic = r.paced.traffic();
                LoadPhase.Result storm = r.paced.storm();
                b.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f / %.0f | %.2f / %.2f | %.2f (%.2f×) "
                        + "| %.2f / %.2f | %.2f× | %.2f× | %d |%n", r.mode.label(), r.paced.rate,
                    steady.requestsPerSecond(), storm.requestsPerSecond(), steady.latencies().p50Ms(),
                    steady.latencies().p99Ms(), traffic.latencies().p99Ms(), traffic.p99Over(steady),
                    storm.latencies().p50Ms(), storm.latencies().p99Ms(), r.paced.ratio(), r.paced.overTraffic(),
                    steady.errors() + traffic.errors() + storm.errors()));
            }
            b.append("\n(storm / its traffic alone: what serving's swaps add beyond this box's publisher and "
                + "broker)\n");
            if (o.pacedPairs > 1) {
                b.append("\nEach pair's storm / steady p99: ").append(pairs(results, Paced::pairRatios))
                    .append("\nEach pair's storm / its traffic alone p99: ").append(pairs(results,
                        Paced::pairOverTraffic)).append('\n');
            }
        }
        results.forEach(r -> b.append(r.trace));
        return b.toString();
    }

    /** Per mode, the ratios {@code of} its paced phases gives, pair by pair. */
    private static String pairs(List<ModeResult> results, Function<Paced, List<Double>> of) {
        return String.join("; ", results.stream().map(r -> r.mode.label() + " " + String.join(", ",
            of.apply(r.paced).stream().map(x -> String.format(Locale.ROOT, "%.2f×", x)).toList())).toList());
    }

    /** The one-row p99 of the storm's traffic alone over that of the mode's steady phase. */
    private static double trafficRatio(ModeResult r) {
        return r.traffic.p99Over(r.single);
    }

    /** The one-row p99 of the swap storm over that of the mode's steady phase. */
    private static double stormRatio(ModeResult r) {
        return r.storm.p99Over(r.single);
    }

    private static String met(boolean ok) {
        return ok ? "met" : "MISSED";
    }

    private static ModeResult find(List<ModeResult> results, Mode mode) {
        return results.stream().filter(r -> r.mode == mode).findFirst().orElseThrow();
    }

    static void awaitVersion(ServeService service, long version) throws InterruptedException {
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

}
