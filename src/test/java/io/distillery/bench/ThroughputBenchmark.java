package io.distillery.bench;

import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.Engine;
import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.Pacer;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.SyntheticStream;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.Predictor;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.FollowedModel;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.records.InputRecord;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.EmissionGate;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.TeacherModel;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.Loops;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * Records per second through emitter and student together on the in-process broker, beside the same
 * networks doing the same work in memory, and the emitter's rate with the trainer beside it as its replay
 * ratio rises.
 *
 * <p>A backlog of N records (784 features, 10 classes, 10% labeled; the Fashion-MNIST shape) is published
 * first; then the emitter (with one fixed teacher network, or following a running trainer) and the student
 * start, and the clock runs from the first logits message to the student's last record. The in-memory path
 * does the same work without Kafka: it decodes the same JSON records and encodes and decodes the logits
 * messages too, so broker / memory is what Kafka's transport and transactions cost. The student runs with replay off (budget 0) in both paths so they do the
 * same work: evaluate and one distillation step per 128 records. Both inference engines run in the same
 * invocation (the emitter's teacher logits on each; the student trains on DL4J either way), so their ratio is
 * taken on one machine state. Usage: {@code bench/run ThroughputBenchmark [N] [replay ratio...]} (default:
 * 30,000 records, ratio 1).
 */
public final class ThroughputBenchmark {
    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 30_000;
        List<String> ratios = args.length > 1 ? List.of(args).subList(1, args.length) : List.of("1");
        List<String> rows = new ArrayList<>();
        Map<Engine, Double> broker = new java.util.EnumMap<>(Engine.class);
        Map<Engine, Double> memory = new java.util.EnumMap<>(Engine.class);
        // warm both engines' code paths first, the broker's and the Kafka clients' too, so the one measured first
        // is not charged the JIT's work (without the broker's warm-up the first engine was 0.77x the second on it)
        for (Engine engine : Engine.values()) {
            inMemory(Math.max(512, n / 10), engine);
            onBroker(Math.max(512, n / 10), null, engine);
        }
        for (Engine engine : Engine.values()) {
            memory.put(engine, inMemory(n, engine));
            double[] fixed = onBroker(n, null, engine);
            broker.put(engine, fixed[1]);
            rows.add(row(engine, "fixed teacher, no trainer", fixed, memory.get(engine)));
            for (String ratio : ratios) {
                rows.add(row(engine, "trainer at replay ratio " + ratio, onBroker(n, ratio, engine), memory.get(engine)));
            }
        }
        System.out.println();
        System.out.println("| engine | teacher | emitter rec/s | emitter + student rec/s (broker) "
            + "| same work in memory rec/s | broker / memory |");
        System.out.println("|---|---|---|---|---|---|");
        rows.forEach(System.out::println);
        System.out.printf("%nemitter + student on the broker (fixed teacher), onnx / dl4j: %.2fx (target >= 2.5)%n",
            broker.get(Engine.ONNX) / broker.get(Engine.DL4J));
        System.out.printf("in memory, onnx / dl4j: %.2fx%n", memory.get(Engine.ONNX) / memory.get(Engine.DL4J));
        for (Engine engine : Engine.values()) {
            System.out.printf("broker / memory with %s (fixed teacher): %.2f (target >= 0.8)%n", engine.tag(),
                broker.get(engine) / memory.get(engine));
        }
    }

    private static String row(Engine engine, String teacher, double[] kafka, double memory) {
        return String.format("| %s | %s | %.0f | %.0f | %.0f | %.2f |", engine.tag(), teacher, kafka[0], kafka[1], memory,
            kafka[1] / memory);
    }

    static Map<String, String> settings(String replayRatio, Engine engine) {
        return Map.of("inference.engine", engine.tag(), "teacher.replay.ratio", replayRatio == null ? "1" : replayRatio,
            "teacher.snapshot.every.steps", "20",
            "teacher.snapshot.every.ms", "3000", "student.replay.steps.max", "0", "student.replay.steps.min", "0",
            "student.snapshot.every.steps", "100000", "student.snapshot.every.ms", "600000");
    }

    /**
     * {emitter rec/s, emitter + student rec/s}. With a {@code replayRatio} the trainer runs beside them and the
     * emitter follows its snapshots; without one the emitter computes with one fixed teacher network, the work
     * the in-memory path does.
     */
    static double[] onBroker(int n, String replayRatio, Engine engine) throws Exception {
        try (BenchRun run = new BenchRun(settings(replayRatio, engine)); RoleMetrics metrics = new RoleMetrics()) {
            InputCodec codec = new InputCodec(io.distillery.config.DataSettings.from(run.config));
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(KafkaClients.producer(run.config, Map.of()))) {
                new Publisher(p, codec, new DeadLetters(p, "produce", metrics), metrics,
                    new Publisher.Options(n, 0.1, 0, 3, 0), System::nanoTime)
                    .run(stream(), Pacer.system(0), s -> { }, Long.MAX_VALUE);
            }
            TeacherSettings ts = TeacherSettings.from(run.config);
            Network fixedNetwork = Network.teacher(ts.network());
            TeacherModel fixed = new TeacherModel(1, fixedNetwork, OnnxExport.export(fixedNetwork, Map.of()));
            try (Trainer trainer = replayRatio == null ? null : Loops.trainer(run.config, metrics, TrainerAdaptation.NONE);
                 Emitter emitter = Loops.emitter(run.config, metrics, trainer == null ? () -> fixed : trainer::latest,
                     EmissionGate.ALWAYS);
                 FollowedModel teacher = Loops.teacherSnapshots(run.config, metrics);
                 StudentLoop student = Loops.student(run.config, metrics, teacher)) {
                QualityRun.await(() -> emitter.emitted() > 0, "first logits", java.time.Duration.ofMinutes(5),
                    emitter::failure);
                long start = System.nanoTime();
                QualityRun.await(() -> emitter.emitted() >= n, "emitter", java.time.Duration.ofMinutes(20), emitter::failure);
                double emitterRate = n / ((System.nanoTime() - start) / 1e9);
                QualityRun.await(() -> student.processed() >= n, "student", java.time.Duration.ofMinutes(20),
                    student::failure);
                double both = n / ((System.nanoTime() - start) / 1e9);
                System.err.printf("%s, trainer replay ratio %s: emitter %.0f rec/s, emitter + student %.0f rec/s%n",
                    engine.tag(), replayRatio, emitterRate, both);
                return new double[] {emitterRate, both};
            }
        }
    }

    /**
     * The same networks and work without Kafka: each input record decoded from its JSON, teacher logits per 512
     * records, each logits message encoded and decoded again, then per 128 the student's evaluation, one
     * distillation step and the replay buffer, as the emitter and the student do them on the broker.
     */
    static double inMemory(int n, Engine engine) {
        TeacherSettings ts = TeacherSettings.from(io.distillery.config.Config.defaults());
        StudentSettings ss = StudentSettings.from(io.distillery.config.Config.defaults());
        InputCodec codec = new InputCodec(io.distillery.config.DataSettings.from(io.distillery.config.Config.defaults()));
        Network teacher = Network.teacher(ts.network());
        Network student = Network.student(ss.network(), ss.distillation());
        SyntheticStream s = stream();
        List<byte[]> payloads = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            payloads.add(codec.encode(s.next().record()));
        }
        ReplayBuffer buffer = new ReplayBuffer(ss.bufferSize(), true, 1);
        Predictor teacherEngine = engine.open(teacher, OnnxExport.export(teacher, Map.of()));
        long start = System.nanoTime();
        for (int from = 0; from < n; from += 512) {
            List<InputRecord> chunk = payloads.subList(from, Math.min(n, from + 512)).stream()
                .map(b -> codec.decode(b).record()).toList();
            float[][] x = chunk.stream().map(InputRecord::features).toArray(float[][]::new);
            float[][] logits = teacherEngine.logits(x);
            List<LogitsMessage> messages = new ArrayList<>();
            for (int i = 0; i < x.length; i++) {
                InputRecord r = chunk.get(i);
                messages.add(LogitsCodec.decode(LogitsCodec.encode(
                    new LogitsMessage(r.id(), r.ts(), r.label(), 1, r.features(), logits[i]))));
            }
            for (int b = 0; b < messages.size(); b += 128) {
                List<LogitsMessage> batch = messages.subList(b, Math.min(messages.size(), b + 128));
                float[][] bx = batch.stream().map(LogitsMessage::features).toArray(float[][]::new);
                float[][] bt = batch.stream().map(LogitsMessage::logits).toArray(float[][]::new);
                int[] y = batch.stream().mapToInt(LogitsMessage::label).toArray();
                float[][] before = student.logits(bx);
                for (int i = 0; i < bx.length; i++) {
                    LogitMath.kl(bt[i], before[i], 1.0);
                }
                student.fitDistill(bx, bt, y);
                for (int i = 0; i < bx.length; i++) {
                    buffer.add(bx[i], y[i], bt[i], 0);
                }
            }
        }
        double rate = n / ((System.nanoTime() - start) / 1e9);
        teacherEngine.close();
        System.err.printf("%s in memory: %.0f rec/s%n", engine.tag(), rate);
        return rate;
    }

    private static SyntheticStream stream() {
        return new SyntheticStream(SyntheticStream.Params.of(784, 10, 3), DriftSchedule.none(), Clock.systemUTC());
    }
}
