package io.distillery.bench;

import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.Engine;
import io.distillery.ingest.Dataset;
import io.distillery.ingest.FashionMnist;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.RecordSource;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.FollowedModel;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.EmissionGate;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/**
 * The Fashion-MNIST quality run of README, through the real roles and an in-process broker.
 *
 * <p>Protocol (docs/quality-run.md): a seeded half of the 60,000 training images is history, all labeled,
 * published first; the trainer bootstraps on it (5 epochs); the other half then streams once with 10%
 * labeled while trainer, emitter and student run. On the 10,000 test images it scores the final teacher,
 * the distilled student, and a label-only student of the same size given the stream's labeled records and
 * the same number of steps; plus the student's agreement with the teacher and the cost per prediction.
 * Usage: {@code bench/run QualityRun [seed ...] [key=value ...]} (default seeds 0 and 1); each {@code key=value}
 * overrides a setting of the run, e.g. {@code teacher.ensemble=2} or {@code student.hint.weight=0.1}, and the
 * emitter's rate and bytes per logits record are printed with each seed.
 */
public final class QualityRun {
    private static final int HISTORY = 30_000;
    private static final int STREAM = 30_000;

    record Result(long seed, double teacher, double student, double baseline, double agreement, long studentSteps,
                  double teacherMicros1, double studentMicros1, double teacherMicros128, double studentMicros128,
                  double seconds) {
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> overrides = new java.util.TreeMap<>();
        java.util.Arrays.stream(args).filter(a -> a.contains("="))
            .forEach(a -> overrides.put(a.substring(0, a.indexOf('=')), a.substring(a.indexOf('=') + 1)));
        long[] given = java.util.Arrays.stream(args).filter(a -> !a.contains("=")).mapToLong(Long::parseLong).toArray();
        long[] seeds = given.length == 0 ? new long[] {0, 1} : given;
        Dataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN);
        Dataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST);
        java.util.List<Result> results = new java.util.ArrayList<>();
        for (long seed : seeds) {
            results.add(run(seed, train, test, overrides));
            print(results);
        }
    }

    static Result run(long seed, Dataset train, Dataset test, Map<String, String> overrides) throws Exception {
        long t0 = System.nanoTime();
        Map<String, String> settings = new java.util.HashMap<>(Map.of(
            "teacher.bootstrap.epochs", "5", "teacher.seed", Long.toString(seed), "student.seed", Long.toString(seed + 100),
            "teacher.trainer.cpu.share", "1.0",
            "teacher.snapshot.every.steps", "50", "teacher.snapshot.every.ms", "5000",
            "student.replay.steps.max", "8", "student.replay.steps.min", "8",
            "student.snapshot.every.steps", "2000", "student.snapshot.every.ms", "60000"));
        settings.putAll(overrides);
        try (BenchRun run = new BenchRun(settings); RoleMetrics metrics = new RoleMetrics()) {
            RecordSource source = FashionMnist.stream(train, FashionMnist.Split.TRAIN, seed, Clock.systemUTC());
            Pipelines.produceFrom(run.config, source, HISTORY, 1.0, seed, 0, 0);
            Map<TopicPartition, Long> historyEnd = endOffsets(run);
            TeacherSettings ts = TeacherSettings.from(run.config);
            StudentSettings ss = StudentSettings.from(run.config);
            try (Trainer trainer = Loops.trainer(run.config, metrics, TrainerAdaptation.NONE)) {
                await(() -> trainer.latest() != null, "teacher bootstrap", Duration.ofMinutes(30), trainer::failure);
                System.err.printf("seed %d: teacher bootstrapped in %.0f s%n", seed, (System.nanoTime() - t0) / 1e9);
                // The emitter starts where the stream starts: the history is the teacher's alone.
                startEmitterAt(run, historyEnd);
                Publisher.Summary stream = Pipelines.produceFrom(run.config, source, STREAM, 0.1, seed, 0, 0);
                try (Emitter emitter = Loops.emitter(run.config, metrics, trainer::latest, EmissionGate.ALWAYS);
                     FollowedModel teacherFollow = Loops.teacherSnapshots(run.config, metrics);
                     StudentLoop student = Loops.student(run.config, metrics, teacherFollow)) {
                    await(() -> student.processed() >= STREAM && trainer.learned() >= stream.labeled(), "stream",
                        Duration.ofMinutes(60), () -> student.failure() != null ? student.failure() : emitter.failure());
                }
            }
            LogitsTopicStats logits = LogitsTopicStats.read(run);
            System.err.printf("seed %d %s: emitter %.0f rec/s, %.1f bytes per logits record (%d records)%n", seed,
                overrides, logits.recordsPerSecond(), logits.bytesPerRecord(), logits.records());
            Network teacher = run.newest(Topics.TEACHER_SNAPSHOTS, "teacher");
            Network student = run.newest(Topics.STUDENT_SNAPSHOTS, "student");
            compareEngines(seed, "teacher", run.newestChecked(Topics.TEACHER_SNAPSHOTS, "teacher"), test);
            compareEngines(seed, "student", run.newestChecked(Topics.STUDENT_SNAPSHOTS, "student"), test);
            Network baseline = labelOnly(run, train, seed, historyEnd, student.steps(), ss);
            int[] t = teacher.predict(test.x());
            int[] s = student.predict(test.x());
            return new Result(seed, LogitMath.accuracy(t, test.y()), LogitMath.accuracy(s, test.y()),
                LogitMath.accuracy(baseline.predict(test.x()), test.y()), LogitMath.accuracy(s, t), student.steps(),
                BenchRun.microsPerRow(teacher, test.x(), 1), BenchRun.microsPerRow(student, test.x(), 1),
                BenchRun.microsPerRow(teacher, test.x(), 128), BenchRun.microsPerRow(student, test.x(), 128),
                (System.nanoTime() - t0) / 1e9);
        }
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

    /**
     * The label-only student: same network size and seed, trained on hard labels from the stream's
     * labeled records as they arrive (a buffer of those seen so far), with as many steps as the
     * distilled student took, spread evenly over the stream's 128-record batches.
     */
    static Network labelOnly(BenchRun run, Dataset train, long seed, Map<TopicPartition, Long> historyEnd,
                             long steps, StudentSettings ss) {
        Set<String> labeledIds = labeledIdsAfter(run, historyEnd);
        int[] order = FashionMnist.order(train.size(), seed);
        Network net = Network.teacher(ss.network());
        ReplayBuffer buffer = new ReplayBuffer(STREAM, false, seed);
        int batches = (STREAM + 127) / 128;
        double perBatch = (double) steps / batches;
        double credit = 0;
        for (int b = 0; b < batches; b++) {
            for (int i = HISTORY + b * 128; i < Math.min(HISTORY + STREAM, HISTORY + (b + 1) * 128); i++) {
                int idx = order[i];
                if (labeledIds.contains("fm-train-" + idx)) {
                    buffer.add(train.x()[idx], train.y()[idx], null);
                }
            }
            credit += perBatch;
            while (credit >= 1 && buffer.size() > 0) {
                ReplayBuffer.Batch batch = buffer.sample(ss.batchSize());
                net.fitHard(batch.x(), batch.labels());
                credit -= 1;
            }
        }
        return net;
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
        Map<TopicPartition, org.apache.kafka.clients.consumer.OffsetAndMetadata> commit = new java.util.HashMap<>();
        offsets.forEach((tp, o) -> commit.put(tp, new org.apache.kafka.clients.consumer.OffsetAndMetadata(o)));
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

    static void print(List<Result> rs) {
        System.out.println();
        System.out.println("| seed | teacher | distilled student | label-only student | agreement | student steps "
            + "| teacher µs/row (1 / 128) | student µs/row (1 / 128) | wall s |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        double[] sum = new double[9];
        for (Result r : rs) {
            System.out.printf("| %d | %.4f | %.4f | %.4f | %.4f | %d | %.0f / %.1f | %.0f / %.1f | %.0f |%n", r.seed(),
                r.teacher(), r.student(), r.baseline(), r.agreement(), r.studentSteps(), r.teacherMicros1(),
                r.teacherMicros128(), r.studentMicros1(), r.studentMicros128(), r.seconds());
            double[] v = {r.teacher(), r.student(), r.baseline(), r.agreement(), r.teacherMicros1(),
                r.teacherMicros128(), r.studentMicros1(), r.studentMicros128(), r.seconds()};
            for (int i = 0; i < v.length; i++) {
                sum[i] += v[i] / rs.size();
            }
        }
        System.out.printf("| **mean** | **%.4f** | **%.4f** | **%.4f** | %.4f | | %.0f / %.1f | %.0f / %.1f | |%n",
            sum[0], sum[1], sum[2], sum[3], sum[4], sum[5], sum[6], sum[7]);
        System.out.printf("distilled - label-only: %+.4f; teacher - distilled: %+.4f%n", sum[1] - sum[2], sum[0] - sum[1]);
    }
}
