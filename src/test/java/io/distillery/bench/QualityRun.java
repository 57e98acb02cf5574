package io.distillery.bench;

import io.distillery.config.StudentSettings;
import io.distillery.inference.Engine;
import io.distillery.ingest.Dataset;
import io.distillery.ingest.FashionMnist;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.RecordSource;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.ImageShift;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.FollowedModel;
import io.distillery.spec.Models;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.EmissionGate;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.TeacherModel;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.testing.SnapshotTopics;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * The Fashion-MNIST quality run of README, through the real roles and an in-process broker.
 *
 * <p>Protocol (docs/quality-run.md): a seeded half of the 60,000 training images is history, all labeled,
 * published first; the trainer bootstraps on it (5 epochs); the other half then streams once, 10% labeled,
 * published at {@value #RATE} records/s ({@code --rate=N} another pace) while trainer, emitter and student run.
 * On the 10,000 test images it scores the final teacher, the distilled student, and the best of three label-only students of the same size
 * given the stream's labeled records and 1×, 2× and 4× the distilled student's steps; plus the student's
 * agreement with the teacher, the emitter's rate, and test accuracy against stream position (the curve).
 * Usage: {@code bench/run QualityRun [seed ...] [key=value ...] [--name=row] [--plot=docs/file.svg]
 * [--bootstrap-cache=dir] [--no-warm-up] [--rate=records/s] [--settle=seconds]} (default seeds 0 and 1, after an unscored warm-up
 * run of the first seed's first 10,000 stream records that compiles the broker's and the roles' code before anything is measured; the
 * key=value pairs override the roles' configuration, e.g. {@code teacher.ensemble=2} or {@code
 * student.hint.weight=0.05}; the bytes per logits record are printed). With a bootstrap cache the bootstrapped
 * teacher of each seed is kept there as its signed checkpoint and snapshot messages, and a later run of that seed
 * publishes both before the trainer starts, which then resumes from them (weights, Adam state and the history
 * offsets from the checkpoint, the weight average from the snapshot; its buffer refilled with the history) instead
 * of bootstrapping again: the bootstrap takes most of a run's time. A snapshot alone carries no Adam state, and a
 * teacher resumed without it trains worse for a while, so a cache without the checkpoint is not used. A cached
 * teacher is kept per seed and per value of the settings that shape the bootstrapped teacher ({@link
 * #BOOTSTRAP_KEYS}: its size, members, optimizer, held-out labels), so an ensemble row never resumes from a single
 * teacher's snapshot.
 */
public final class QualityRun {
    private static final int HISTORY = 30_000;
    private static final int STREAM = 30_000;
    /** Stream records of the warm-up run before the first seed (20 s at {@link #RATE}). */
    private static final int WARM_UP_STREAM = 10_000;
    private static final double RATE = 500;
    private static final int[] BASELINE_MULTIPLES = {1, 2, 4};
    /** Settings that change the bootstrapped teacher, and so the name of its cached snapshot. */
    static final List<String> BOOTSTRAP_KEYS = List.of("teacher.hidden", "teacher.activation", "teacher.updater",
        "teacher.learning.rate", "teacher.batch.size", "teacher.ensemble", "teacher.ensemble.hidden",
        "teacher.gate.holdout", "teacher.bootstrap.epochs", "teacher.ema.decay");
    private static final int SAMPLE_EVERY = 1_000;

    /** Test accuracy of the three models when the student had learned from {@code position} stream records. */
    record Point(long position, double teacher, double student, double labelOnly) {
    }

    record Result(long seed, double teacher, double student, double baseline, int baselineMultiple, double agreement,
                  long studentSteps, long teacherSteps, double emitterRate, double seconds, List<Point> curve) {
        double recovered() {
            return (student - baseline) / (teacher - baseline);
        }
    }

    /**
     * The newest published teacher and student when the student had learned from {@code position} records, as
     * their weights without optimizer state (one array per network however many samples hold it): dozens of
     * live networks would not fit under JavaCPP's physical cap beside the run.
     */
    private record Sample(long position, byte[] teacher, byte[] student) {
    }

    /** A sampled model's weights, the same array for consecutive samples of the same network (not kept alive). */
    private static final class Frozen {
        private Network last;
        private byte[] bytes;

        byte[] bytes(Network network) {
            if (network != last) {
                last = network;
                bytes = network.toBytes(false);
            }
            return bytes;
        }
    }

    public static void main(String[] args) throws Exception {
        QualityArgs q = QualityArgs.parse(args, Set.of("name", "plot", "rate", "no-warm-up", "bootstrap-cache", "settle"));
        List<Long> seeds = q.seeds();
        Map<String, String> overrides = q.settings();
        String name = q.option("name", "run");
        Path plot = q.has("plot") ? Path.of(q.option("plot", "")) : null;
        Path cache = q.has("bootstrap-cache") ? Files.createDirectories(Path.of(q.option("bootstrap-cache", ""))) : null;
        boolean warmUp = !q.has("no-warm-up");
        double rate = Double.parseDouble(q.option("rate", Double.toString(RATE)));
        if (!(rate >= 10 && rate <= 100_000)) {
            throw new IllegalArgumentException("--rate must be in [10, 100000] records/s, got " + rate);
        }
        Duration settle = Duration.ofSeconds(Long.parseLong(q.option("settle", "0")));
        if (settle.isNegative() || settle.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("--settle must be in [0, 600] s, got " + settle.toSeconds());
        }
        System.out.println("QualityRun " + name + ": " + (overrides.isEmpty() ? "defaults" : overrides)
            + (rate == RATE ? "" : ", stream at " + rate + " records/s")
            + (settle.isZero() ? "" : ", scored " + settle.toSeconds() + " s after the stream's end"));
        Dataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN);
        Dataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST);
        if (warmUp) {
            long t0 = System.nanoTime();
            run(seeds.get(0), overrides, train, test, cache, WARM_UP_STREAM, rate, Duration.ZERO);
            System.err.printf("warm-up: %d stream records through every role in %.0f s, not scored%n", WARM_UP_STREAM,
                (System.nanoTime() - t0) / 1e9);
        }
        List<Result> results = new ArrayList<>();
        for (long seed : seeds) {
            results.add(run(seed, overrides, train, test, cache, STREAM, rate, settle));
            print(name, results);
            if (plot != null) {
                Files.writeString(plot, QualityPlot.svg(results, name));
            }
        }
    }

    /**
     * One seed's run over the first {@code streamRecords} records of its stream; scored only when that is the whole
     * stream ({@link #STREAM}), else (the warm-up) {@code null} once the roles have learned from them.
     *
     * @param rate the stream's pace, records/s
     * @param settle how long the roles go on running after the stream's end (every record learned from) before
     *     the newest snapshots are scored: time a caught-up role can spend on idle replay
     */
    static Result run(long seed, Map<String, String> overrides, Dataset train, Dataset test, Path cache,
                      int streamRecords, double rate, Duration settle) throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> settings = new HashMap<>(Map.of(
            "teacher.bootstrap.epochs", "5", "teacher.seed", Long.toString(seed), "student.seed", Long.toString(seed + 100),
            "teacher.trainer.cpu.share", "1.0",
            "teacher.snapshot.every.steps", "50", "teacher.snapshot.every.ms", "5000",
            "student.snapshot.every.steps", "2000", "student.snapshot.every.ms", "2000",
            "data.image.width", Integer.toString(FashionMnist.WIDTH)));
        settings.putAll(overrides);
        List<Sample> samples = new ArrayList<>();
        Frozen teachers = new Frozen();
        Frozen students = new Frozen();
        double emitterRate;
        Network studentAtEnd = null;
        try (BenchRun run = new BenchRun(settings); RoleMetrics metrics = new RoleMetrics()) {
            RecordSource source = FashionMnist.stream(train, FashionMnist.Split.TRAIN, seed, Clock.systemUTC());
            Pipelines.produceFrom(run.config, source, HISTORY, 1.0, seed, 0, 0);
            Map<TopicPartition, Long> historyEnd = endOffsets(run);
            StudentSettings ss = StudentSettings.from(run.config);
            Path cached = cache == null ? null : cache.resolve(cacheName(seed, overrides));
            Path cachedCheckpoint = cached == null ? null : checkpointOf(cached);
            boolean fromCache = cached != null && Files.exists(cached) && Files.exists(cachedCheckpoint);
            if (fromCache) {
                // as the trainer wrote them: the checkpoint (trained weights and Adam state) before the snapshot
                publish(run, Topics.TEACHER_CHECKPOINTS, Files.readAllBytes(cachedCheckpoint));
                publish(run, Topics.TEACHER_SNAPSHOTS, Files.readAllBytes(cached));
            }
            ExecutorService publisher = Executors.newSingleThreadExecutor();
            try (Trainer trainer = Loops.trainer(run.config, metrics, TrainerAdaptation.NONE)) {
                await(() -> trainer.latest() != null, "teacher bootstrap", Duration.ofMinutes(60), trainer::failure);
                System.err.printf("seed %d: teacher bootstrapped in %.0f s%n", seed, (System.nanoTime() - t0) / 1e9);
                if (cached != null && !fromCache) {
                    Files.write(cachedCheckpoint, bootstrapped(run, Topics.TEACHER_CHECKPOINTS));
                    Files.write(cached, bootstrapped(run, Topics.TEACHER_SNAPSHOTS));
                }
                // The emitter starts where the stream starts: the history is the teacher's alone.
                startEmitterAt(run, historyEnd);
                try (Emitter emitter = Loops.emitter(run.config, metrics, trainer::latest, EmissionGate.ALWAYS);
                     FollowedModel teacherFollow = Loops.teacherSnapshots(run.config, metrics);
                     StudentLoop student = Loops.student(run.config, metrics, teacherFollow);
                     FollowedModel studentFollow = follow(run, Topics.STUDENT_SNAPSHOTS, Models.STUDENT, metrics)) {
                    long streamStart = System.nanoTime();
                    Future<Publisher.Summary> stream = publisher.submit(
                        () -> Pipelines.produceFrom(run.config, source, streamRecords, 0.1, seed, 0, rate));
                    long emitterDone = 0;
                    long next = SAMPLE_EVERY;
                    while (!(stream.isDone() && student.processed() >= streamRecords
                        && trainer.learned() + trainer.heldOut() >= stream.get().labeled())) {
                        fail(student.failure(), emitter.failure(), trainer.failure());
                        if (System.nanoTime() - streamStart > Duration.ofMinutes(60).toNanos()) {
                            throw new IllegalStateException("the stream did not finish within 60 minutes");
                        }
                        if (emitterDone == 0 && emitter.emitted() >= streamRecords) {
                            emitterDone = System.nanoTime();
                        }
                        long at = student.processed();
                        if (at >= next && at < streamRecords) {
                            TeacherModel t = trainer.latest();
                            FollowedModel.Current s = studentFollow.current();
                            samples.add(new Sample(at, teachers.bytes(t.network()),
                                s == null ? null : students.bytes(s.network())));
                            next = (at / SAMPLE_EVERY + 1) * SAMPLE_EVERY;
                        }
                        Thread.sleep(50);
                    }
                    if (emitterDone == 0) {
                        // the emitter's last logits came during the last sleep, with the student's last records
                        emitterDone = System.nanoTime();
                    }
                    emitterRate = streamRecords / ((emitterDone - streamStart) / 1e9);
                    if (!settle.isZero()) {
                        FollowedModel.Current atEnd = studentFollow.current();
                        studentAtEnd = atEnd == null ? null : atEnd.network();
                        long settleEnd = System.nanoTime() + settle.toNanos();
                        while (System.nanoTime() < settleEnd) {
                            fail(student.failure(), emitter.failure(), trainer.failure());
                            Thread.sleep(50);
                        }
                        System.err.printf("seed %d: student snapshot at the stream's end v%d (%d steps), %d s later "
                            + "v%d (%d steps)%n", seed, atEnd == null ? 0 : atEnd.version(),
                            atEnd == null ? 0 : atEnd.network().steps(), settle.toSeconds(),
                            studentFollow.current().version(), studentFollow.current().network().steps());
                    }
                }
            } finally {
                publisher.shutdownNow();
            }
            if (streamRecords < STREAM) {
                return null;
            }
            LogitsTopicStats logits = LogitsTopicStats.read(run);
            System.err.printf("seed %d %s: %.1f bytes per logits record (%d records)%n", seed, overrides,
                logits.bytesPerRecord(), logits.records());
            CheckedNetwork teacherChecked = run.newestChecked(Topics.TEACHER_SNAPSHOTS, Models.TEACHER);
            CheckedNetwork studentChecked = run.newestChecked(Topics.STUDENT_SNAPSHOTS, Models.STUDENT);
            compareEngines(seed, "teacher", teacherChecked, test);
            compareEngines(seed, "student", studentChecked, test);
            Network teacher = teacherChecked.network();
            Network student = studentChecked.network();
            samples.add(new Sample(STREAM, teacher.toBytes(false), student.toBytes(false)));
            int[] t = predict(teacher, test);
            int[] s = predict(student, test);
            List<Long> positions = samples.stream().map(Sample::position).toList();
            Set<String> labeledIds = labeledIdsAfter(run, historyEnd);
            LabelOnly best = null;
            for (int multiple : BASELINE_MULTIPLES) {
                LabelOnly b = labelOnly(labeledIds, train, test, seed, student.steps(), multiple, ss, positions);
                System.err.printf("seed %d: label-only student with %dx the steps (%d): %.4f%n", seed, multiple,
                    student.steps() * multiple, b.accuracy());
                if (best == null || b.accuracy() > best.accuracy()) {
                    best = b;
                }
            }
            if (studentAtEnd != null) {
                double atEnd = LogitMath.accuracy(predict(studentAtEnd, test), test.y());
                System.err.printf("seed %d: the student at the stream's end (%d steps): %.4f, %.0f%% of the gap to the "
                    + "same teacher and baseline%n", seed, studentAtEnd.steps(), atEnd,
                    100 * (atEnd - best.accuracy()) / (LogitMath.accuracy(t, test.y()) - best.accuracy()));
            }
            return new Result(seed, LogitMath.accuracy(t, test.y()), LogitMath.accuracy(s, test.y()), best.accuracy(),
                best.multiple(), LogitMath.accuracy(s, t), student.steps(), teacher.steps(), emitterRate,
                (System.nanoTime() - t0) / 1e9, curve(samples, best.curve(), test));
        }
    }

    /** {@code teacher-bootstrap-seedN[-key=value...].msg}, with the overridden {@link #BOOTSTRAP_KEYS} in order. */
    static String cacheName(long seed, Map<String, String> overrides) {
        StringBuilder name = new StringBuilder("teacher-bootstrap-seed").append(seed);
        BOOTSTRAP_KEYS.stream().filter(overrides::containsKey)
            .forEach(k -> name.append('-').append(k).append('=').append(overrides.get(k).replaceAll("[^0-9A-Za-z.,]", "_")));
        return name.append(".msg").toString();
    }

    /**
     * Top-1 of {@code net} on the test split, 1,000 rows at a time: a run scores dozens of networks, and whole-split
     * batches (31 MB of native features each, freed only when collected) would exceed JavaCPP's physical cap.
     */
    static int[] predict(Network net, Dataset test) {
        return top1(net, test.x());
    }

    /** Top-1 of {@code net} on {@code x}, 1,000 rows at a time (see {@link #predict(Network, Dataset)}). */
    public static int[] top1(Network net, float[][] x) {
        int[] out = new int[x.length];
        for (int from = 0; from < x.length; from += 1000) {
            int[] part = net.predict(Arrays.copyOfRange(x, from, Math.min(x.length, from + 1000)));
            System.arraycopy(part, 0, out, from, part.length);
        }
        return out;
    }

    /** The cached checkpoint beside a cached snapshot: {@code NAME.checkpoint.msg}. */
    static Path checkpointOf(Path cachedSnapshot) {
        return cachedSnapshot.resolveSibling(cachedSnapshot.getFileName().toString()
            .replaceFirst("\\.msg$", ".checkpoint.msg"));
    }

    private static void publish(BenchRun run, TopicSpec topic, byte[] encoded) throws Exception {
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(KafkaClients.producer(run.config, Map.of()))) {
            p.send(new ProducerRecord<>(topic.name(), Models.TEACHER.getBytes(StandardCharsets.UTF_8), encoded)).get();
        }
    }

    /** The bootstrapped teacher's message on {@code topic}, written before the stream. */
    private static byte[] bootstrapped(BenchRun run, TopicSpec topic) {
        SnapshotTopics.Message m = SnapshotTopics.newestMessage(run.kafka.bootstrapServers(), topic.name(),
            Models.TEACHER, run.codec);
        if (m == null) {
            throw new IllegalStateException("no teacher on " + topic.name());
        }
        return m.value();
    }

    private static void fail(Throwable... failures) {
        for (Throwable f : failures) {
            if (f != null) {
                throw new IllegalStateException("a role failed", f);
            }
        }
    }

    private static FollowedModel follow(BenchRun run, TopicSpec topic, String model,
                                        RoleMetrics metrics) {
        StudentSettings s = StudentSettings.from(run.config);
        return new FollowedModel(run.config, topic, model, run.codec, s.network().inputs(), s.network().outputs(),
            metrics, "bench").start();
    }

    /** Scores each sampled network once (a snapshot held over several samples is the same array). */
    private static List<Point> curve(List<Sample> samples, double[] labelOnly, Dataset test) {
        Map<byte[], Double> scored = new IdentityHashMap<>();
        List<Point> out = new ArrayList<>();
        for (int i = 0; i < samples.size(); i++) {
            Sample p = samples.get(i);
            double teacher = scored.computeIfAbsent(p.teacher(), n -> accuracy(n, test));
            double student = p.student() == null ? Double.NaN
                : scored.computeIfAbsent(p.student(), n -> accuracy(n, test));
            out.add(new Point(p.position(), teacher, student, labelOnly[i]));
        }
        return out;
    }

    private static double accuracy(byte[] network, Dataset test) {
        return LogitMath.accuracy(predict(Network.fromBytes(network, false), test), test.y());
    }

    /** The final snapshot scored on both engines: the share of test rows with the same top-1, both accuracies. */
    static void compareEngines(long seed, String model, CheckedNetwork checked, Dataset test) {
        int[] onnx;
        int[] dl4j;
        try (Predictor o = checked.open(Engine.ONNX); Predictor d = checked.open(Engine.DL4J)) {
            onnx = o.predict(test.x());
            dl4j = d.predict(test.x());
        }
        System.err.printf("seed %d, final %s on both engines: same top-1 on %.4f of %d test rows; accuracy onnx %.4f, "
            + "dl4j %.4f%n", seed, model, LogitMath.accuracy(onnx, dl4j), test.size(), LogitMath.accuracy(onnx, test.y()),
            LogitMath.accuracy(dl4j, test.y()));
    }

    /** A label-only student's final test accuracy, its accuracy at each sampled position, and its step multiple. */
    record LabelOnly(double accuracy, double[] curve, int multiple) {
    }

    /**
     * A label-only student: same network size and seed as the distilled one, trained on hard labels from the
     * stream's labeled records as they arrive (a buffer of those seen so far), with {@code multiple} times the
     * distilled student's {@code steps} spread evenly over the stream's 128-record batches; scored on the test
     * set at each of {@code positions}. When the student shifts images in replay, the label-only student shifts the
     * same share of each batch (labels kept): the baseline gets the augmentation too.
     */
    static LabelOnly labelOnly(Set<String> labeledIds, Dataset train, Dataset test, long seed, long steps, int multiple,
                               StudentSettings ss, List<Long> positions) {
        int[] order = FashionMnist.order(train.size(), seed);
        Network net = Network.teacher(ss.network());
        ReplayBuffer buffer = new ReplayBuffer(STREAM, false, seed);
        double[] curve = new double[positions.size()];
        int scored = 0;
        int batches = (STREAM + 127) / 128;
        double perBatch = (double) steps * multiple / batches;
        double credit = 0;
        Random shifts = new Random(seed);
        for (int b = 0; b < batches; b++) {
            int end = Math.min(STREAM, (b + 1) * 128);
            for (; scored < positions.size() && positions.get(scored) <= b * 128L; scored++) {
                curve[scored] = LogitMath.accuracy(predict(net, test), test.y());
            }
            for (int i = HISTORY + b * 128; i < HISTORY + end; i++) {
                int idx = order[i];
                if (labeledIds.contains("fm-train-" + idx)) {
                    buffer.add(train.x()[idx], train.y()[idx], null);
                }
            }
            credit += perBatch;
            while (credit >= 1 && buffer.size() > 0) {
                ReplayBuffer.Batch batch = buffer.sample(ss.batchSize());
                ImageShift.nudgeShare(batch.x(), ss.shiftShare(), ss.imageWidth(), shifts);
                net.fitHard(batch.x(), batch.labels());
                credit -= 1;
            }
        }
        double accuracy = LogitMath.accuracy(predict(net, test), test.y());
        for (; scored < positions.size(); scored++) {
            curve[scored] = accuracy;
        }
        return new LabelOnly(accuracy, curve, multiple);
    }

    private static Set<String> labeledIdsAfter(BenchRun run, Map<TopicPartition, Long> from) {
        Set<String> ids = new HashSet<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.consumer(run.config, Map.of()))) {
            List<TopicPartition> parts = List.copyOf(from.keySet());
            c.assign(parts);
            from.forEach(c::seek);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            while (parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(200))) {
                    ids.add(new String(r.key(), StandardCharsets.UTF_8));
                }
            }
        }
        return ids;
    }

    private static void startEmitterAt(BenchRun run, Map<TopicPartition, Long> offsets) {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        offsets.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.consumer(run.config,
            Map.of("group.id", Emitter.GROUP)))) {
            c.assign(offsets.keySet());
            c.commitSync(commit);
        }
    }

    private static Map<TopicPartition, Long> endOffsets(BenchRun run) {
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(KafkaClients.consumer(run.config, Map.of()))) {
            List<TopicPartition> parts = c.partitionsFor(Topics.LABELED.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            return c.endOffsets(parts);
        }
    }

    interface Check {
        boolean done();
    }

    static void await(Check check, String what, Duration timeout, java.util.function.Supplier<Throwable> failure)
        throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!check.done()) {
            Throwable f = failure.get();
            if (f != null) {
                throw new IllegalStateException(what + " failed", f);
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + " did not finish within " + timeout);
            }
            Thread.sleep(200);
        }
    }

    static void print(String name, List<Result> rs) {
        System.out.println();
        System.out.println("| row | seed | teacher | student | label-only (best of 1x/2x/4x) | gap recovered | agreement "
            + "| emitter rec/s | student steps | teacher steps | wall s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|---|---|");
        double[] sum = new double[5];
        for (Result r : rs) {
            System.out.printf("| %s | %d | %.4f | %.4f | %.4f (%dx) | %.0f%% | %.4f | %.0f | %d | %d | %.0f |%n", name,
                r.seed(), r.teacher(), r.student(), r.baseline(), r.baselineMultiple(), 100 * r.recovered(),
                r.agreement(), r.emitterRate(), r.studentSteps(), r.teacherSteps(), r.seconds());
            double[] v = {r.teacher(), r.student(), r.baseline(), r.agreement(), r.emitterRate()};
            for (int i = 0; i < v.length; i++) {
                sum[i] += v[i] / rs.size();
            }
        }
        System.out.printf("| %s | **mean** | **%.4f** | **%.4f** | **%.4f** | **%.0f%%** | %.4f | %.0f | | | |%n", name,
            sum[0], sum[1], sum[2], 100 * (sum[1] - sum[2]) / (sum[0] - sum[2]), sum[3], sum[4]);
    }
}
