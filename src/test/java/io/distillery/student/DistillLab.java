package io.distillery.student;

import io.distillery.bench.QualityArgs;
import io.distillery.bench.QualityRun;
import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.Engine;
import io.distillery.ingest.Dataset;
import io.distillery.ingest.FashionMnist;
import io.distillery.model.ImageShift;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.ReplayBuffer;
import io.distillery.model.WeightAverage;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.FollowedModel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * What the student can reach on the quality run's data when nothing but its own step count limits it: the
 * quality run's split of Fashion-MNIST (a seeded half of the training images is the teacher's labeled history,
 * the other half the stream, 10% of it labeled), without Kafka and without the CPU the other roles take. The
 * teacher is trained on the history (11 epochs by default: about the steps the quality run's teacher has when the
 * stream ends, 5 bootstrap epochs and its online steps) and then held fixed; the student
 * learns from the stream in 128-record batches exactly as {@link StudentLoop} does (one step on the new records
 * with the teacher's logits, then replay steps through {@link Replay}: the images shifted, as the lab states the
 * records' width, 28, unless {@code data.image.width=0} or {@code student.replay.shift=0}), with a given number of
 * steps spread evenly over the stream, so two settings compare on the same steps. Per setting it prints the
 * student's test accuracy, its agreement with the teacher on the test images and on the stream's own images,
 * and the label-only student of the same size given the same steps on the stream's labels.
 *
 * <p>Usage: {@code bench/run io.distillery.student.DistillLab [seed ...] [--steps=N[,N...]] [--teacher-epochs=N]
 * [--teacher-shift=S] [--teacher-cache=DIR] [--with-history] [key=value ...]} (seeds 0 and 1 and 6,000 steps by
 * default; the keys are the student's and the teacher's, as in the quality run; {@code --teacher-shift}: that share
 * of each of the teacher's batches shifted as the student's replay shifts, labels kept, which the trainer role does
 * not do; {@code --with-history}: the student first learns from the history's images with the teacher's logits and
 * no labels, outside the quality run's protocol).
 */
public final class DistillLab {
    private static final int HISTORY = 30_000;
    private static final int STREAM = 30_000;
    private static final int CHUNK = 128;
    private static final double LABELED = 0.1;

    private DistillLab() {
    }

    public static void main(String[] args) throws Exception {
        QualityArgs q = QualityArgs.parse(args,
            Set.of("steps", "teacher-epochs", "teacher-shift", "with-history", "teacher-cache"));
        List<Long> seeds = q.seeds();
        Map<String, String> overrides = q.settings();
        long[] steps = Arrays.stream(q.option("steps", "6000").split(",")).mapToLong(Long::parseLong).toArray();
        int epochs = Integer.parseInt(q.option("teacher-epochs", "11"));
        double teacherShift = Double.parseDouble(q.option("teacher-shift", "0"));
        boolean withHistory = q.has("with-history");
        Path cache = q.has("teacher-cache") ? Files.createDirectories(Path.of(q.option("teacher-cache", ""))) : null;
        Dataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN);
        Dataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST);
        System.out.println("DistillLab: " + (overrides.isEmpty() ? "defaults" : overrides)
            + (withHistory ? ", the student learns from the history's images (teacher's logits, no labels) first" : ""));
        System.out.println("| seed | student steps | teacher | student | label-only (same steps) | gap recovered "
            + "| agreement on test | agreement on the stream | student on the stream's labels |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (long seed : seeds) {
            Split split = new Split(train, seed);
            Network teacher = teacher(split, seed, epochs, teacherShift, overrides, cache);
            float[][] teacherLogits = logits(teacher, split.streamX);
            int[] teacherOnTest = QualityRun.top1(teacher, test.x());
            double teacherAcc = LogitMath.accuracy(teacherOnTest, test.y());
            int[] teacherOnStream = QualityRun.top1(teacher, split.streamX);
            float[][] inputs = split.streamX;
            float[][] targets = teacherLogits;
            int[] labels = split.streamLabels;
            if (withHistory) {
                inputs = concat(split.historyX, split.streamX);
                targets = concat(logits(teacher, split.historyX), teacherLogits);
                labels = new int[HISTORY + STREAM];
                Arrays.fill(labels, 0, HISTORY, -1);
                System.arraycopy(split.streamLabels, 0, labels, HISTORY, STREAM);
            }
            for (long n : steps) {
                Map<String, String> settings = new HashMap<>(overrides);
                settings.putIfAbsent("student.seed", Long.toString(seed + 100));
                settings.putIfAbsent("data.image.width", Integer.toString(FashionMnist.WIDTH));
                StudentSettings ss = StudentSettings.from(Config.of(settings));
                Network student = distil(inputs, targets, labels, teacher, ss, n, seed);
                Network labelOnly = labelOnly(split, ss, n, seed);
                int[] s = QualityRun.top1(student, test.x());
                double studentAcc = LogitMath.accuracy(s, test.y());
                double baseline = LogitMath.accuracy(QualityRun.top1(labelOnly, test.x()), test.y());
                int[] onStream = QualityRun.top1(student, split.streamX);
                System.out.printf("| %d | %d | %.4f | %.4f | %.4f | %.0f%% | %.4f | %.4f | %.4f |%n", seed, n, teacherAcc,
                    studentAcc, baseline, 100 * (studentAcc - baseline) / (teacherAcc - baseline),
                    LogitMath.accuracy(s, teacherOnTest), LogitMath.accuracy(onStream, teacherOnStream),
                    LogitMath.accuracy(onStream, split.streamY));
            }
        }
    }

    /** The quality run's split of the training images for one seed. */
    private static final class Split {
        final float[][] historyX;
        final int[] historyY;
        final float[][] streamX;
        final int[] streamY;
        /** The stream's labels where the record is labeled, else -1. */
        final int[] streamLabels;

        Split(Dataset train, long seed) {
            int[] order = FashionMnist.order(train.size(), seed);
            historyX = new float[HISTORY][];
            historyY = new int[HISTORY];
            for (int i = 0; i < HISTORY; i++) {
                historyX[i] = train.x()[order[i]];
                historyY[i] = train.y()[order[i]];
            }
            streamX = new float[STREAM][];
            streamY = new int[STREAM];
            streamLabels = new int[STREAM];
            SplittableRandom labeled = new SplittableRandom(seed);
            for (int i = 0; i < STREAM; i++) {
                streamX[i] = train.x()[order[HISTORY + i]];
                streamY[i] = train.y()[order[HISTORY + i]];
                streamLabels[i] = labeled.nextDouble() < LABELED ? streamY[i] : -1;
            }
        }
    }

    /**
     * The teacher trained on the history, with the {@code teacher.*} keys of {@code settings} (kept under {@code cache}
     * when given: it depends on the seed, the epochs and those keys only).
     */
    private static Network teacher(Split split, long seed, int epochs, double shift, Map<String, String> settings,
                                   Path cache) throws Exception {
        Map<String, String> keys = new TreeMap<>();
        settings.forEach((k, v) -> {
            if (k.startsWith("teacher.")) {
                keys.put(k, v);
            }
        });
        StringBuilder name = new StringBuilder("lab-teacher-seed" + seed + "-epochs" + epochs);
        keys.forEach((k, v) -> name.append('-').append(k).append('=').append(v.replaceAll("[^0-9A-Za-z.,]", "_")));
        if (shift > 0) {
            name.append("-shift").append(shift);
        }
        Path file = cache == null ? null : cache.resolve(name + ".bin");
        if (file != null && Files.exists(file)) {
            return Network.fromBytes(Files.readAllBytes(file), false);
        }
        keys.put("teacher.seed", Long.toString(seed));
        TeacherSettings ts = TeacherSettings.from(Config.of(keys));
        Network teacher = Network.teacher(ts.network());
        SplittableRandom r = new SplittableRandom(seed);
        Random shifts = new Random(seed);
        int[] idx = new int[HISTORY];
        for (int i = 0; i < HISTORY; i++) {
            idx[i] = i;
        }
        for (int e = 0; e < epochs; e++) {
            for (int i = HISTORY - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                int t = idx[i];
                idx[i] = idx[j];
                idx[j] = t;
            }
            for (int from = 0; from < HISTORY; from += ts.batchSize()) {
                int to = Math.min(HISTORY, from + ts.batchSize());
                float[][] x = new float[to - from][];
                int[] y = new int[to - from];
                for (int k = from; k < to; k++) {
                    x[k - from] = split.historyX[idx[k]];
                    y[k - from] = split.historyY[idx[k]];
                }
                ImageShift.nudgeShare(x, shift, FashionMnist.WIDTH, shifts);
                teacher.fitHard(x, y);
            }
        }
        if (file != null) {
            Files.write(file, teacher.toBytes(false));
        }
        return teacher;
    }

    private static float[][] logits(Network net, float[][] x) {
        float[][] out = new float[x.length][];
        for (int from = 0; from < x.length; from += 1000) {
            float[][] part = net.logits(Arrays.copyOfRange(x, from, Math.min(x.length, from + 1000)));
            System.arraycopy(part, 0, out, from, part.length);
        }
        return out;
    }

    /**
     * The student after learning from {@code x} in order, {@code steps} steps in all (one per 128-record batch, the
     * rest replay); its weight average when {@code student.ema.decay} is on, as the student role publishes it.
     *
     * @param t the teacher's logits per row
     * @param y the label per row, -1 where the row is unlabeled
     */
    private static Network distil(float[][] x, float[][] t, int[] y, Network teacher, StudentSettings ss, long steps,
                                  long seed) {
        Network student = Network.student(ss.network(), ss.distillation());
        CheckedNetwork checked = new CheckedNetwork(teacher, OnnxExport.export(teacher, Map.of()));
        FollowedModel.Current current = new FollowedModel.Current(1, checked, null, null);
        Replay replay = new Replay(new ReplayBuffer(ss.bufferSize(), true, seed), () -> current, ss.batchSize(),
            Engine.ONNX, ss.mixupShare(), ss.shiftShare(), ss.imageWidth(), seed);
        WeightAverage average = new WeightAverage(ss.emaDecay());
        try {
            int chunks = (x.length + CHUNK - 1) / CHUNK;
            double perChunk = Math.max(0, (double) (steps - chunks) / chunks);
            double credit = 0;
            for (int from = 0; from < x.length; from += CHUNK) {
                int to = Math.min(x.length, from + CHUNK);
                float[][] bx = Arrays.copyOfRange(x, from, to);
                float[][] bt = Arrays.copyOfRange(t, from, to);
                int[] by = Arrays.copyOfRange(y, from, to);
                student.fitDistill(bx, bt, by);
                average.update(student);
                for (int i = 0; i < bx.length; i++) {
                    replay.remember(bx[i], by[i], bt[i], 1);
                }
                credit += perChunk;
                while (credit >= 1) {
                    replay.step(student);
                    average.update(student);
                    credit -= 1;
                }
            }
        } finally {
            replay.close();
        }
        return average.emitted(student);
    }

    private static float[][] concat(float[][] a, float[][] b) {
        float[][] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** A label-only student of the student's size and seed, {@code steps} steps on the stream's labels seen so far. */
    private static Network labelOnly(Split split, StudentSettings ss, long steps, long seed) {
        Network net = Network.teacher(ss.network());
        ReplayBuffer buffer = new ReplayBuffer(STREAM, false, seed);
        int chunks = (STREAM + CHUNK - 1) / CHUNK;
        double perChunk = (double) steps / chunks;
        double credit = 0;
        Random shifts = new Random(seed);
        for (int from = 0; from < STREAM; from += CHUNK) {
            for (int i = from; i < Math.min(STREAM, from + CHUNK); i++) {
                if (split.streamLabels[i] >= 0) {
                    buffer.add(split.streamX[i], split.streamLabels[i], null);
                }
            }
            credit += perChunk;
            while (credit >= 1 && buffer.size() > 0) {
                ReplayBuffer.Batch b = buffer.sample(ss.batchSize());
                ImageShift.nudgeShare(b.x(), ss.shiftShare(), ss.imageWidth(), shifts);
                net.fitHard(b.x(), b.labels());
                credit -= 1;
            }
        }
        return net;
    }
}
