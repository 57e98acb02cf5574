package io.distillery.bench;

import static io.distillery.testing.Samples.percentile;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.ServeSettings;
import io.distillery.inference.Engine;
import io.distillery.inference.OnnxPredictor;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.modelstore.OnnxGate;
import io.distillery.serving.NetworkModelLoader;
import io.distillery.serving.ServeService;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.testing.Pipelines;
import io.distillery.testing.StudentSnapshots;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What serving's follower thread spends on one snapshot of the 784-128-10 student, in CPU time of that thread
 * (so the figure hardly depends on what else the machine runs): the whole swap per engine, as the follower
 * calls it (signature, checks, load, ONNX gate, test prediction, pool of {@code serve.threads} copies, swap,
 * retiring the replaced version), no Kafka and no requests; then the stages of it one by one (an {@code onnx}
 * reader checks the graph against the manifest's probe outputs and never restores the network). Snapshots are
 * encoded before the clock starts, with their ONNX graphs, as the student role writes them: of networks that have
 * trained, without the optimizer state, which goes to the student's checkpoints, in format 5, whose network section
 * leaves the weights to the graph ({@code format-4}: the weights in both sections; {@code with-state}: with the
 * state too, as snapshots carried it before checkpoints existed; {@code untrained}: of fresh networks, as this
 * benchmark had before 2026-12-05). Median and p90 of {@code n} snapshots (default 60) after 20 unmeasured ones.
 * Usage: {@code bench/run SwapCost [n] [untrained|format-4|with-state]}.
 */
public final class SwapCost {
    private static final int FEATURES = 784;
    private static final int HIDDEN = 128;
    private static final int CLASSES = 10;
    private static final int WARMUP = 20;
    private static final com.sun.management.ThreadMXBean CPU =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private SwapCost() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        String kind = args.length > 1 ? args[1] : "trained";
        StudentSnapshots snapshots = switch (kind) {
            case "untrained" -> new StudentSnapshots(FEATURES, HIDDEN, CLASSES, 4);
            case "with-state" -> StudentSnapshots.trainedWithState(FEATURES, HIDDEN, CLASSES, 4);
            case "format-4" -> StudentSnapshots.trainedFormat4(FEATURES, HIDDEN, CLASSES, 4);
            case "trained" -> StudentSnapshots.trained(FEATURES, HIDDEN, CLASSES, 4);
            default -> throw new IllegalArgumentException("usage: SwapCost [n] [untrained|format-4|with-state], got "
                + kind);
        };
        Config config = Pipelines.smallConfig("127.0.0.1:9", Map.of("data.features", Integer.toString(FEATURES),
            "data.classes", Integer.toString(CLASSES), "serve.host", "127.0.0.1", "serve.port", "0",
            "serve.threads", "2"));
        List<byte[]> encoded = new ArrayList<>();
        for (int v = 1; v <= WARMUP + n; v++) {
            encoded.add(snapshots.encodedWithOnnx(v));
        }
        Map<String, double[]> rows = new LinkedHashMap<>();
        Map<String, double[]> allocated = new LinkedHashMap<>();
        for (Engine engine : Engine.values()) {
            double[][] swaps = swaps(config, engine, encoded);
            rows.put("whole swap, " + engine.tag() + " (follower thread)", swaps[0]);
            allocated.put("whole swap, " + engine.tag() + " (follower thread)", swaps[1]);
        }
        rows.putAll(stages(snapshots.codec(), encoded, allocated));
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nServing's CPU per snapshot, student "
            + "%d-%d-%d, %d snapshots of %d bytes (%s), serve.threads=2 (thread CPU time, ms; heap allocated by the "
            + "thread, KB)%n%n| step | p50 ms | p90 ms | p50 KB |%n|---|---|---|---|%n", FEATURES, HIDDEN, CLASSES, n,
            encoded.get(0).length, switch (kind) {
                case "untrained" -> "networks that have not trained";
                case "with-state" -> "networks that have trained, with Adam's state, as before checkpoints";
                case "format-4" -> "networks that have trained, format 4: the weights in both sections";
                default -> "networks that have trained, as a running student publishes them";
            }));
        rows.forEach((name, ms) -> b.append(String.format(Locale.ROOT, "| %s | %.2f | %.2f | %s |%n", name,
            percentile(ms, 0.5), percentile(ms, 0.9), allocated.containsKey(name)
                ? String.format(Locale.ROOT, "%.0f", percentile(allocated.get(name), 0.5) / 1024) : "")));
        System.out.print(b);
    }

    /**
     * CPU (ms) and heap allocated (bytes) of each swap of one serving instance fed the messages in order, the first
     * {@link #WARMUP} unmeasured.
     */
    private static double[][] swaps(Config config, Engine engine, List<byte[]> encoded) throws Exception {
        double[] ms = new double[encoded.size() - WARMUP];
        double[] bytes = new double[ms.length];
        long thread = Thread.currentThread().getId();
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = new ServeService(ServeSettings.from(config), DataSettings.from(config),
                 SnapshotFixtures.CODEC, new NetworkModelLoader(engine), metrics, null)) {
            for (int i = 0; i < encoded.size(); i++) {
                long t = CPU.getCurrentThreadCpuTime();
                long a = CPU.getThreadAllocatedBytes(thread);
                service.snapshotListener().onSnapshot("student", encoded.get(i), i);
                if (i >= WARMUP) {
                    ms[i - WARMUP] = (CPU.getCurrentThreadCpuTime() - t) / 1e6;
                    bytes[i - WARMUP] = CPU.getThreadAllocatedBytes(thread) - a;
                }
            }
            if (service.state().currentVersion() != encoded.size()) {
                throw new IllegalStateException("a snapshot was refused: serving " + service.state());
            }
        }
        return new double[][] {ms, bytes};
    }

    /** The stages of a swap, each timed alone on the same messages; their heap allocation goes to {@code allocated}. */
    private static Map<String, double[]> stages(SnapshotCodec codec, List<byte[]> encoded,
                                                Map<String, double[]> allocated) throws Exception {
        Map<String, double[]> out = new LinkedHashMap<>();
        long thread = Thread.currentThread().getId();
        String[] names = {"decode: signature and checksums", "restore the network with its updater state",
            "restore the network without it (dl4j serving)", "ONNX gate against the network",
            "ONNX gate against the manifest's probe outputs (onnx serving)", "one more ONNX Runtime session",
            "one DL4J copy"};
        for (String name : names) {
            out.put(name, new double[encoded.size() - WARMUP]);
            allocated.put(name, new double[encoded.size() - WARMUP]);
        }
        for (int i = 0; i < encoded.size(); i++) {
            long t0 = CPU.getCurrentThreadCpuTime();
            long a0 = CPU.getThreadAllocatedBytes(thread);
            Snapshot s = codec.decode(encoded.get(i));
            long t1 = CPU.getCurrentThreadCpuTime();
            long a1 = CPU.getThreadAllocatedBytes(thread);
            Network.fromBytes(s.modelBytes(), s.onnxBytes(), true);
            long t2 = CPU.getCurrentThreadCpuTime();
            long a2 = CPU.getThreadAllocatedBytes(thread);
            Network network = Network.fromBytes(s.modelBytes(), s.onnxBytes(), false);
            long t3 = CPU.getCurrentThreadCpuTime();
            long a3 = CPU.getThreadAllocatedBytes(thread);
            OnnxGate.check(network, s.onnxBytes(), s.manifest().id());
            long t4 = CPU.getCurrentThreadCpuTime();
            long a4 = CPU.getThreadAllocatedBytes(thread);
            OnnxGate.open(s.manifest(), s.onnxBytes()).close();
            long t5 = CPU.getCurrentThreadCpuTime();
            long a5 = CPU.getThreadAllocatedBytes(thread);
            new OnnxPredictor(s.onnxBytes()).close();
            long t6 = CPU.getCurrentThreadCpuTime();
            long a6 = CPU.getThreadAllocatedBytes(thread);
            network.copy();
            long t7 = CPU.getCurrentThreadCpuTime();
            long a7 = CPU.getThreadAllocatedBytes(thread);
            if (i >= WARMUP) {
                long[] t = {t0, t1, t2, t3, t4, t5, t6, t7};
                long[] a = {a0, a1, a2, a3, a4, a5, a6, a7};
                for (int k = 0; k < names.length; k++) {
                    out.get(names[k])[i - WARMUP] = (t[k + 1] - t[k]) / 1e6;
                    allocated.get(names[k])[i - WARMUP] = a[k + 1] - a[k];
                }
            }
        }
        return out;
    }
}
