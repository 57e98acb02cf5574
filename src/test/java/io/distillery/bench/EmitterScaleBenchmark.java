package io.distillery.bench;

import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.Pacer;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.SyntheticStream;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.Loops;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.TopicPartition;

/**
 * Records per second through 1, 2, ... teacher emitter <em>processes</em> ({@code teacher --only emitter},
 * each its own JVM with its own {@code teacher.emitter.id}, as the Kubernetes StatefulSet runs them) on the
 * same backlog. A backlog of N records (784 features, 10 classes, 10% labeled) is published once to input
 * topics of 4 partitions on the in-process broker, and a trainer publishes one teacher snapshot; then for
 * each count the emitters' consumer group is deleted (so every count starts from offset 0) and that many
 * emitter processes start together. The rate is taken between the first and the last poll (every 250 ms)
 * of the group's committed offsets, so JVM start-up and the first rebalance are left out; the wall time
 * from launch to the last commit is printed beside it. Usage: {@code bench/emitters.sh [N] [counts...]}
 * (default 50,000 records, counts 1 2). Each child's log goes to a file whose path is printed.
 */
public final class EmitterScaleBenchmark {
    private static final int PARTITIONS = 4;
    private static final Duration LIMIT = Duration.ofMinutes(15);

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 50_000;
        List<Integer> counts = args.length > 1 ? List.of(args).subList(1, args.length).stream().map(Integer::parseInt)
            .toList() : List.of(1, 2);
        Path logs = Files.createTempDirectory("distill-emitters");
        System.err.println("emitter logs in " + logs);
        List<String> rows = new ArrayList<>();
        try (BenchRun run = new BenchRun(Map.of("teacher.snapshot.every.steps", "5", "teacher.snapshot.every.ms", "1000"),
                PARTITIONS); RoleMetrics metrics = new RoleMetrics()) {
            publishBacklog(run, n, metrics);
            try (var trainer = Loops.trainer(run.config, metrics, TrainerAdaptation.NONE)) {
                QualityRun.await(() -> trainer.latest() != null, "teacher snapshot", Duration.ofMinutes(5),
                    trainer::failure);
            }
            if (run.newest(Topics.TEACHER_SNAPSHOTS, "teacher") == null) {
                throw new IllegalStateException("the trainer published no teacher snapshot");
            }
            try (Admin admin = Admin.create(KafkaClients.admin(run.config))) {
                for (int count : counts) {
                    double[] r = measure(run, admin, count, n, logs);
                    rows.add(String.format("| %d | %,d | %,.0f | %,.0f | %.1f |", count, n, r[0], r[0] / count, r[1]));
                }
            }
        }
        System.out.println();
        System.out.println("| emitter processes | backlog records | rec/s (all) | rec/s per process | wall s |");
        System.out.println("|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.printf("%non %d cores; input topics of %d partitions; the broker and this driver share them%n",
            Runtime.getRuntime().availableProcessors(), PARTITIONS);
    }

    private static void publishBacklog(BenchRun run, int n, RoleMetrics metrics) throws InterruptedException {
        InputCodec codec = new InputCodec(io.distillery.config.DataSettings.from(run.config));
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(KafkaClients.producer(run.config, Map.of()))) {
            new Publisher(p, codec, new DeadLetters(p, "produce", metrics), metrics,
                new Publisher.Options(n, 0.1, 0, 3, 0), System::nanoTime)
                .run(new SyntheticStream(SyntheticStream.Params.of(784, 10, 3), DriftSchedule.none(), Clock.systemUTC()),
                    Pacer.system(0), s -> { }, Long.MAX_VALUE);
        }
    }

    /** {rec/s between the first and last committed-offset poll, wall seconds from launch}. */
    private static double[] measure(BenchRun run, Admin admin, int count, int n, Path logs) throws Exception {
        if (admin.listConsumerGroups().all().get().stream().anyMatch(g -> g.groupId().equals(Emitter.GROUP))) {
            admin.deleteConsumerGroups(Set.of(Emitter.GROUP)).all().get();
        }
        List<Process> children = new ArrayList<>();
        long launched = System.nanoTime();
        try {
            for (int i = 0; i < count; i++) {
                children.add(start(run, "bench-" + count + "-" + i, logs.resolve("emitter-" + count + "-" + i + ".log")));
            }
            long firstAt = 0;
            long firstCommitted = 0;
            long committed = 0;
            while (committed < n) {
                if (System.nanoTime() - launched > LIMIT.toNanos()) {
                    throw new IllegalStateException(count + " emitters did not finish within " + LIMIT);
                }
                for (Process c : children) {
                    if (!c.isAlive()) {
                        throw new IllegalStateException("an emitter exited with " + c.exitValue() + "; see " + logs);
                    }
                }
                Thread.sleep(250);
                committed = committed(admin);
                if (firstAt == 0 && committed > 0) {
                    firstAt = System.nanoTime();
                    firstCommitted = committed;
                }
            }
            long done = System.nanoTime();
            double rate = (n - firstCommitted) / ((done - firstAt) / 1e9);
            double wall = (done - launched) / 1e9;
            System.err.printf("%d emitter(s): %.0f rec/s, %.1f s from launch%n", count, rate, wall);
            return new double[] {rate, wall};
        } finally {
            for (Process c : children) {
                c.destroy();
            }
            for (Process c : children) {
                if (!c.waitFor(60, TimeUnit.SECONDS)) {
                    c.destroyForcibly().waitFor();
                }
            }
        }
    }

    private static Process start(BenchRun run, String id, Path log) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> cmd = new ArrayList<>(List.of(java, "@deploy/jvm.options", "-cp",
            System.getProperty("java.class.path"), "io.distillery.app.Main", "teacher", "--only", "emitter",
            "--bootstrap-servers", run.kafka.bootstrapServers(),
            "--set", "teacher.emitter.id=" + id, "--set", "metrics.port=0"));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile())
            .directory(new File(System.getProperty("user.dir")));
        pb.environment().put("OMP_NUM_THREADS", "1");
        // an emitter alone only reads teacher snapshots: the public key is all it holds
        pb.environment().put("DISTILL_SNAPSHOT_VERIFY_KEYS", SnapshotFixtures.VERIFY_PEM);
        return pb.start();
    }

    private static long committed(Admin admin) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> offsets = admin.listConsumerGroupOffsets(Emitter.GROUP)
            .partitionsToOffsetAndMetadata().get();
        long sum = 0;
        for (Map.Entry<TopicPartition, OffsetAndMetadata> e : offsets.entrySet()) {
            String topic = e.getKey().topic();
            if (e.getValue() != null && (topic.equals(Topics.LABELED.name()) || topic.equals(Topics.UNLABELED.name()))) {
                sum += e.getValue().offset();
            }
        }
        return sum;
    }
}
