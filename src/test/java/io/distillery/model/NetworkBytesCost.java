package io.distillery.model;

import static io.distillery.testing.Samples.median;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.testing.StudentSnapshots;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.Locale;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.util.ModelSerializer;

/**
 * What writing and reading a network's bytes costs, in CPU time of the calling thread, side by side in one JVM:
 * {@link Network#toBytes} and {@link Network#fromBytes} as they are (each entry stored, the arrays written by our
 * own code), against the zip as it was written before 2026-12-05 (DL4J's {@code ModelSerializer.writeModel}, which
 * deflates at the default level, then every entry deflated again at {@code BEST_SPEED} with ours added), read
 * by the same reader. For the default student (784-128-10) and teacher (784-512-256-10), each trained
 * {@value #TRAINING_STEPS} steps on random rows so that they carry Adam's state, as running roles do. Writes are
 * with the updater state (as snapshots are written); reads with it (a restarting role) and without it (a
 * reader that only predicts, as serving on {@code dl4j}). Median of {@code n} each (default 40), after
 * 10 unmeasured. Usage: {@code bench/run io.distillery.model.NetworkBytesCost [n]}.
 */
public final class NetworkBytesCost {
    private static final int TRAINING_STEPS = 20;
    private static final int WARMUP = 10;
    private static final com.sun.management.ThreadMXBean CPU =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();

    private NetworkBytesCost() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 40;
        StudentSettings ss = StudentSettings.from(Config.defaults());
        TeacherSettings ts = TeacherSettings.from(Config.defaults());
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "%nA network's bytes: CPU of the calling "
            + "thread, median of %d, ms (networks trained %d steps: with Adam's state)%n%n"
            + "| network | format | bytes | write with the updater state | read with it | read without it |%n"
            + "|---|---|---|---|---|---|%n", n, TRAINING_STEPS));
        row(b, "student " + ss.network().describe(), trained(Network.student(ss.network(), ss.distillation())), n);
        row(b, "teacher " + ts.network().describe(), trained(Network.teacher(ts.network())), n);
        System.out.print(b);
    }

    private static void row(StringBuilder b, String name, Network network, int n) {
        byte[] stored = network.toBytes(true);
        byte[] deflated = deflatedAsBefore(network);
        double[][] now = new double[3][n];
        double[][] before = new double[3][n];
        for (int i = -WARMUP; i < n; i++) {
            // alternated, so that a noisy neighbour slows both alike
            measure(now, i, () -> network.toBytes(true), stored);
            measure(before, i, () -> deflatedAsBefore(network), deflated);
        }
        b.append(String.format(Locale.ROOT, "| %s | each entry stored, our writer | %,d | %.2f | %.2f | %.2f |%n",
            name, stored.length, median(now[0]), median(now[1]), median(now[2])));
        b.append(String.format(Locale.ROOT, "| %s | deflated twice (before 2026-12-05) | %,d | %.2f | %.2f | %.2f |%n",
            name, deflated.length, median(before[0]), median(before[1]), median(before[2])));
    }

    /** Times one write, then a read of {@code bytes} with and without the updater state, into {@code ms[*][i]}. */
    private static void measure(double[][] ms, int i, Runnable write, byte[] bytes) {
        long t0 = CPU.getCurrentThreadCpuTime();
        write.run();
        long t1 = CPU.getCurrentThreadCpuTime();
        Network.fromBytes(bytes, true);
        long t2 = CPU.getCurrentThreadCpuTime();
        Network.fromBytes(bytes, false);
        long t3 = CPU.getCurrentThreadCpuTime();
        if (i >= 0) {
            ms[0][i] = (t1 - t0) / 1e6;
            ms[1][i] = (t2 - t1) / 1e6;
            ms[2][i] = (t3 - t2) / 1e6;
        }
    }

    /** The bytes as {@code NetworkFormat} wrote them before 2026-12-05. */
    private static byte[] deflatedAsBefore(Network network) {
        try {
            ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
            ModelSerializer.writeModel(network.dl4j(), dl4j, true);
            ByteArrayOutputStream out = new ByteArrayOutputStream(dl4j.size() + 1024);
            try (ZipOutputStream zip = new ZipOutputStream(out);
                 ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(dl4j.toByteArray()));
                 ZipInputStream ours = new ZipInputStream(new ByteArrayInputStream(network.toBytes(false)))) {
                zip.setLevel(Deflater.BEST_SPEED);
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    zip.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(zip);
                    zip.closeEntry();
                }
                for (ZipEntry e = ours.getNextEntry(); e != null; e = ours.getNextEntry()) {
                    if (NetworkFormat.ENTRY.equals(e.getName())) {
                        zip.putNextEntry(new ZipEntry(e.getName()));
                        ours.transferTo(zip);
                        zip.closeEntry();
                    }
                }
            }
            return out.toByteArray();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Network trained(Network network) {
        StudentSnapshots.trainOnRandomRows(network, TRAINING_STEPS, new Random(1));
        return network;
    }
}
