package io.distillery.bench;

import static io.distillery.testing.Samples.median;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.Engine;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.Predictor;
import java.lang.management.ManagementFactory;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Cost per prediction of the default teacher (784-512-256-10) and student (784-128-10) on both engines,
 * through the production predict interface ({@link Engine#open}, what the emitter, replay, serving and
 * evaluate call), at 1, 32 and 128 rows per call: microseconds per call and heap bytes allocated per call
 * (the thread's allocation counter). The rounds of all twelve cases are interleaved, so a noisy neighbour
 * slows them alike; the median round is reported. The weights do not change the cost, so fresh networks
 * are measured. Usage: {@code bench/run PredictionCost [rounds]}.
 */
public final class PredictionCost {
    private static final int[] BATCHES = {1, 32, 128};

    private record Case(String net, Engine engine, int batch) {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Network teacher = Network.teacher(TeacherSettings.from(Config.defaults()).network());
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network student = Network.student(ss.network(), ss.distillation());
        Map<String, Map<Engine, Predictor>> predictors = new LinkedHashMap<>();
        for (var e : Map.of("teacher", teacher, "student", student).entrySet()) {
            byte[] onnx = OnnxExport.export(e.getValue(), Map.of());
            Map<Engine, Predictor> byEngine = new EnumMap<>(Engine.class);
            for (Engine engine : Engine.values()) {
                byEngine.put(engine, engine.open(e.getValue(), onnx));
            }
            predictors.put(e.getKey(), byEngine);
        }
        float[][] rows = rows(128, 784);
        Map<Case, double[]> micros = new LinkedHashMap<>();
        Map<Case, double[]> bytes = new LinkedHashMap<>();
        for (int round = -1; round < rounds; round++) {
            for (String net : new String[] {"teacher", "student"}) {
                for (Engine engine : Engine.values()) {
                    for (int batch : BATCHES) {
                        Case c = new Case(net, engine, batch);
                        double[] m = measure(predictors.get(net).get(engine), Arrays.copyOf(rows, batch));
                        if (round >= 0) {
                            micros.computeIfAbsent(c, k -> new double[rounds])[round] = m[0];
                            bytes.computeIfAbsent(c, k -> new double[rounds])[round] = m[1];
                        }
                    }
                }
            }
        }
        print(micros, bytes);
        predictors.values().forEach(m -> m.values().forEach(Predictor::close));
    }

    /** µs and allocated bytes per call, over about 0.3 s of calls. */
    private static double[] measure(Predictor p, float[][] batch) {
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long id = Thread.currentThread().getId();
        for (int i = 0; i < 20; i++) {
            p.logits(batch);
        }
        int calls = 0;
        long a0 = threads.getThreadAllocatedBytes(id);
        long t0 = System.nanoTime();
        long deadline = t0 + 300_000_000L;
        do {
            p.logits(batch);
            calls++;
        } while (System.nanoTime() < deadline);
        long t1 = System.nanoTime();
        long a1 = threads.getThreadAllocatedBytes(id);
        return new double[] {(t1 - t0) / 1e3 / calls, (double) (a1 - a0) / calls};
    }

    private static void print(Map<Case, double[]> micros, Map<Case, double[]> bytes) {
        System.out.println("| network | engine | rows | µs per call | µs per row | KiB allocated per call |");
        System.out.println("|---|---|---|---|---|---|");
        micros.forEach((c, m) -> System.out.printf("| %s | %s | %d | %.0f | %.1f | %.1f |%n", c.net(),
            c.engine().tag(), c.batch(), median(m), median(m) / c.batch(), median(bytes.get(c)) / 1024));
        System.out.println();
        System.out.printf("onnx vs dl4j, student, 1 row: %.1fx cheaper (target >= 3)%n",
            ratio(micros, "student", Engine.DL4J, 1, "student", Engine.ONNX, 1));
        System.out.printf("onnx vs dl4j, teacher, 128 rows: %.1fx cheaper (target >= 4)%n",
            ratio(micros, "teacher", Engine.DL4J, 128, "teacher", Engine.ONNX, 128));
        for (int batch : new int[] {32, 128}) {
            System.out.printf("student vs teacher on onnx, %d rows: %.1fx cheaper (target >= 2.5)%n", batch,
                ratio(micros, "teacher", Engine.ONNX, batch, "student", Engine.ONNX, batch));
        }
    }

    private static double ratio(Map<Case, double[]> micros, String n1, Engine e1, int b1, String n2, Engine e2,
                                int b2) {
        return median(micros.get(new Case(n1, e1, b1))) / median(micros.get(new Case(n2, e2, b2)));
    }

    private static float[][] rows(int n, int width) {
        SplittableRandom r = new SplittableRandom(1);
        float[][] rows = new float[n][width];
        for (float[] row : rows) {
            for (int i = 0; i < row.length; i++) {
                row[i] = (float) r.nextDouble();
            }
        }
        return rows;
    }
}
