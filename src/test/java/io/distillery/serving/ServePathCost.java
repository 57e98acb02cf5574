package io.distillery.serving;

import static io.distillery.testing.Samples.median;

import io.distillery.config.ServeSettings;
import io.distillery.inference.Engine;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.Predictor;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.InferClient;
import io.distillery.testing.RawHttp;
import io.distillery.testing.StudentSnapshots;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/**
 * Where the time of one infer request goes, stage by stage, for the 784-128-10 student at 1 and 32 rows:
 * parsing (JSON, binary), the model (DL4J, ONNX Runtime), encoding the answer (JSON, binary), and a whole
 * loopback HTTP round trip to an {@link InferenceServer} whose model costs nothing (so that HTTP, the
 * server's threads and queueing are what remains once parsing and encoding are taken off). One thread, one
 * keep-alive connection, no concurrency: these are costs, not throughput. Rounds of all stages are
 * interleaved; the median round's µs per call is printed, and the heap bytes allocated per call by every thread
 * (the round trips' include the client's and the server's threads). Usage:
 * {@code bench/run io.distillery.serving.ServePathCost [rounds]}.
 */
public final class ServePathCost {
    private static final int FEATURES = 784;
    private static final int CLASSES = 10;

    private ServePathCost() {
    }

    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
        Network net = Network.student(NetworkSpec.of(FEATURES, List.of(128), CLASSES),
            new DistillationSpec(1, 0.5));
        byte[] onnx = OnnxExport.export(net, Map.of());
        Map<String, Runnable> stages = new LinkedHashMap<>();
        List<AutoCloseable> closing = new ArrayList<>();
        RoleMetrics metrics = new RoleMetrics();
        closing.add(metrics);
        InferenceServer server = server(metrics);
        closing.add(server);
        RawHttp http = new RawHttp("127.0.0.1", server.port(), 10_000);
        closing.add(http);
        for (int n : new int[] {1, 32}) {
            float[][] rows = rows(n);
            float[] values = new float[n * FEATURES];
            for (int i = 0; i < n; i++) {
                System.arraycopy(rows[i], 0, values, i * FEATURES, FEATURES);
            }
            byte[] json = InferClient.body(rows).getBytes(StandardCharsets.UTF_8);
            InferClient.BinaryBody binary = InferClient.binaryBody(rows);
            float[][] logits = net.logits(rows);
            stages.put(n + " row(s): parse JSON request", () -> InferRequest.parse(json, FEATURES));
            stages.put(n + " row(s): parse JSON request, Jackson alone",
                () -> InferRequest.parseWithJackson(json, json.length, FEATURES));
            stages.put(n + " row(s): parse binary request",
                () -> InferRequest.parse(binary.bytes(), binary.headerLength(), FEATURES));
            for (Engine e : Engine.values()) {
                Predictor p = e.open(net, onnx);
                closing.add(p);
                // as serving calls it: the request's values in one array (DL4J splits them into rows, ONNX reads them)
                stages.put(n + " row(s): model, " + e.tag(), () -> p.logits(values, n));
            }
            stages.put(n + " row(s): encode JSON answer",
                () -> OipJson.inferResponse("student", 1, null, logits, List.of(), Set.of()));
            stages.put(n + " row(s): encode binary answer",
                () -> OipJson.inferResponse("student", 1, null, logits, List.of(), Set.of("*")));
            byte[] jsonRequest = RawHttp.request("POST", "/v2/models/student/infer", json);
            byte[] binaryRequest = RawHttp.request("POST", "/v2/models/student/infer", binary.bytes(),
                BinaryTensors.HEADER, Integer.toString(binary.headerLength()));
            stages.put(n + " row(s): HTTP round trip, JSON, free model", () -> roundTrip(http, jsonRequest));
            stages.put(n + " row(s): HTTP round trip, binary, free model", () -> roundTrip(http, binaryRequest));
        }
        Map<String, double[]> micros = new LinkedHashMap<>();
        Map<String, double[]> allocated = new LinkedHashMap<>();
        for (int round = -1; round < rounds; round++) {
            for (Map.Entry<String, Runnable> s : stages.entrySet()) {
                double[] m = measure(s.getValue());
                if (round >= 0) {
                    micros.computeIfAbsent(s.getKey(), k -> new double[rounds])[round] = m[0];
                    allocated.computeIfAbsent(s.getKey(), k -> new double[rounds])[round] = m[1];
                }
            }
        }
        System.out.println("| stage | µs per call (median of " + rounds + " rounds) | KB allocated per call, all threads |");
        System.out.println("|---|---|---|");
        micros.forEach((k, v) -> System.out.printf(Locale.ROOT, "| %s | %.1f | %.1f |%n", k, median(v),
            median(allocated.get(k)) / 1024));
        for (int i = closing.size() - 1; i >= 0; i--) {
            closing.get(i).close();
        }
    }

    /** A server on a free loopback port serving a network that computes almost nothing. */
    private static InferenceServer server(RoleMetrics metrics) throws Exception {
        ServeMetrics meters = new ServeMetrics(metrics, "student");
        ModelRegistry registry = new ModelRegistry(1, false, meters::state);
        registry.offer(ServedModel.of(ServingFixtures.manifest(1, FEATURES, CLASSES), new FreeNetwork(), 1));
        InferenceServer server = new InferenceServer(new ServeSettings("127.0.0.1", 0, 1, 4 << 20, null, 1, null, 64, 16, 100),
            "student", FEATURES, CLASSES, registry, meters, "immediate", null);
        server.start();
        return server;
    }

    /** Logits of zero for every row, read from the request's values as they are (as ONNX Runtime reads them). */
    private static final class FreeNetwork implements ServingNetwork {
        @Override
        public int inputs() {
            return FEATURES;
        }

        @Override
        public int outputs() {
            return CLASSES;
        }

        @Override
        public float[][] logits(float[][] rows) {
            return new float[rows.length][CLASSES];
        }

        @Override
        public float[][] logits(float[] values, int rows) {
            return new float[rows][CLASSES];
        }

        @Override
        public String platform() {
            return "free";
        }

        @Override
        public ServingNetwork copy() {
            return new FreeNetwork();
        }
    }

    private static void roundTrip(RawHttp http, byte[] request) {
        try {
            RawHttp.Response r = http.exchange(request);
            if (r.status() != 200) {
                throw new IllegalStateException("status " + r.status() + ": " + r.text());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** µs per call and heap bytes allocated per call by every thread, over about 0.3 s of calls. */
    private static double[] measure(Runnable stage) {
        for (int i = 0; i < 50; i++) {
            stage.run();
        }
        int calls = 0;
        long bytes0 = allocatedBytes();
        long t0 = System.nanoTime();
        long deadline = t0 + 300_000_000L;
        do {
            stage.run();
            calls++;
        } while (System.nanoTime() < deadline);
        long t1 = System.nanoTime();
        return new double[] {(t1 - t0) / 1e3 / calls, (double) (allocatedBytes() - bytes0) / calls};
    }

    /** Heap bytes allocated so far by the live threads. */
    private static long allocatedBytes() {
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long sum = 0;
        for (long b : threads.getThreadAllocatedBytes(threads.getAllThreadIds())) {
            sum += Math.max(0, b);
        }
        return sum;
    }

    private static float[][] rows(int n) {
        Random random = new Random(7);
        float[][] rows = new float[n][];
        for (int i = 0; i < n; i++) {
            rows[i] = StudentSnapshots.randomRow(FEATURES, random);
        }
        return rows;
    }
}
