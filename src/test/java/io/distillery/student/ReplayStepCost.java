package io.distillery.student;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.Engine;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.FollowedModel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Time of one student replay step with the default networks (teacher 784-512-256-10, student 784-128-10, batch
 * 128, a full reservoir of 10,000 records, teacher on ONNX Runtime) for mixup shares 0, 0.5 (the default) and 1,
 * while a new teacher version arrives every {@code every} steps (32 by default: in the quality run the teacher
 * publishes every 2-3 s and the student takes 60-130 steps a second). A step is what {@link StudentLoop} does per
 * replay step: sample, recompute stale targets, mix, fit. The shares' rounds are interleaved, so a noisy
 * neighbour slows them alike; the median round is reported, with the rows the teacher computed per step. Usage:
 * {@code bench/run io.distillery.student.ReplayStepCost [rounds] [every]}.
 */
public final class ReplayStepCost {
    private static final double[] MIXUPS = {0, 0.5, 1};
    private static final int STEPS_PER_ROUND = 256;

    public static void main(String[] args) {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int every = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Network teacher = Network.teacher(TeacherSettings.from(Config.defaults()).network());
        CheckedNetwork checked = new CheckedNetwork(teacher, OnnxExport.export(teacher, Map.of()));
        long[][] micros = new long[MIXUPS.length][rounds];
        double[] teacherRows = new double[MIXUPS.length];
        List<Run> runs = new ArrayList<>();
        for (double mixup : MIXUPS) {
            runs.add(new Run(ss, checked, mixup));
        }
        for (int round = -1; round < rounds; round++) {
            for (int k = 0; k < runs.size(); k++) {
                long[] m = runs.get(k).measure(every);
                if (round >= 0) {
                    micros[k][round] = m[0];
                    teacherRows[k] += (double) m[1] / rounds;
                }
            }
        }
        System.out.printf("replay step, batch %d, a new teacher every %d steps, median of %d rounds%n",
            ss.batchSize(), every, rounds);
        System.out.println("| student.replay.mixup | µs per step | teacher rows per step |");
        System.out.println("|---|---|---|");
        for (int k = 0; k < runs.size(); k++) {
            long[] sorted = micros[k].clone();
            Arrays.sort(sorted);
            System.out.printf("| %.1f | %d | %.1f |%n", MIXUPS[k], sorted[rounds / 2], teacherRows[k]);
            runs.get(k).replay.close();
        }
    }

    /** One setting: its own student, reservoir and replay, and the teacher version it has reached. */
    private static final class Run {
        private final Network student;
        private final ReplayBuffer buffer;
        private final Replay replay;
        private final CheckedNetwork checked;
        private long version = 1;
        private FollowedModel.Current current;

        Run(StudentSettings ss, CheckedNetwork checked, double mixup) {
            this.student = Network.student(ss.network(), ss.distillation());
            this.checked = checked;
            this.buffer = new ReplayBuffer(ss.bufferSize(), true, 1);
            SplittableRandom random = new SplittableRandom(3);
            for (int i = 0; i < ss.bufferSize(); i++) {
                float[] x = new float[ss.network().inputs()];
                for (int j = 0; j < x.length; j++) {
                    x[j] = (float) random.nextDouble();
                }
                float[] logits = new float[ss.network().outputs()];
                buffer.add(x, random.nextInt(10) < 1 ? random.nextInt(logits.length) : -1, logits, version);
            }
            this.current = new FollowedModel.Current(version, checked, null, null);
            this.replay = new Replay(buffer, () -> current, ss.batchSize(), Engine.ONNX, mixup, 7);
        }

        /** µs per step and teacher rows per step, over {@link #STEPS_PER_ROUND} steps. */
        long[] measure(int every) {
            long rows0 = replay.teacherRows();
            long t0 = System.nanoTime();
            for (int s = 0; s < STEPS_PER_ROUND; s++) {
                if (s % every == 0) {
                    current = new FollowedModel.Current(++version, checked, null, null);
                }
                replay.step(student);
            }
            long rows = replay.teacherRows() - rows0;
            long micros = (System.nanoTime() - t0) / 1000 / STEPS_PER_ROUND;
            return new long[] {micros, rows / STEPS_PER_ROUND};
        }
    }
}
