package io.distillery.model;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.ingest.Dataset;
import io.distillery.ingest.FashionMnist;
import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What subnormal optimizer state costs a student's step, side by side in one JVM: two copies of the default
 * student (784-128-10, Adam), one flushing its tiny optimizer state every {@value UpdaterState#FLUSH_EVERY} steps
 * as every network does, one never ({@link Network#flushTinyEvery}), trained on the same Fashion-MNIST batches of
 * the default size, half of each batch moved by up to a pixel as the student's replay moves it. Their rounds
 * alternate, so a noisy neighbour slows both alike; each round prints µs per step and the share of each
 * copy's Adam state that is subnormal. Usage: {@code bench/run io.distillery.model.AdamStepCost [rounds]
 * [steps-per-round]} (8 and 250; Fashion-MNIST from {@code apt-get install -y dataset-fashion-mnist}).
 */
public final class AdamStepCost {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 8;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 250;
        StudentSettings ss = StudentSettings.from(Config.defaults());
        Dataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN);
        Network flushed = Network.student(ss.network(), ss.distillation());
        Network kept = flushed.copy();
        kept.flushTinyEvery(0);
        Random flushedData = new Random(5);
        Random keptData = new Random(5);
        System.out.printf("student %s, batch %d, %d steps a round; rounds alternate%n", ss.network().hidden(),
            ss.batchSize(), perRound);
        System.out.println("| round | steps | flushed µs/step | flushed state subnormal | never flushed µs/step "
            + "| never flushed state subnormal | ratio |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (int round = 1; round <= rounds; round++) {
            long f = train(flushed, train, ss.batchSize(), perRound, flushedData);
            long k = train(kept, train, ss.batchSize(), perRound, keptData);
            System.out.printf("| %d | %d | %d | %.1f%% | %d | %.1f%% | %.2f× |%n", round, flushed.steps(), f,
                100 * subnormalShare(flushed), k, 100 * subnormalShare(kept), (double) k / f);
        }
    }

    /** µs per step over {@code steps} steps of shifted Fashion-MNIST batches. */
    private static long train(Network n, Dataset data, int batch, int steps, Random random) {
        float[][] x = new float[batch][];
        int[] y = new int[batch];
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            sample(data, random, x, y);
            ImageShift.nudgeShare(x, 0.5, FashionMnist.WIDTH, random);
            n.fitHard(x, y);
        }
        return (System.nanoTime() - t0) / 1000 / steps;
    }

    /** Fills {@code x} and {@code y} with rows of {@code data} drawn at random, with replacement. */
    static void sample(Dataset data, Random random, float[][] x, int[] y) {
        for (int i = 0; i < x.length; i++) {
            int row = random.nextInt(data.x().length);
            x[i] = data.x()[row];
            y[i] = data.y()[row];
        }
    }

    private static double subnormalShare(Network n) {
        INDArray state = n.dl4j().getUpdater(false).getStateViewArray();
        float[] v = state.data().asFloat();
        int count = 0;
        for (float f : v) {
            if (f != 0 && Math.abs(f) < Float.MIN_NORMAL) {
                count++;
            }
        }
        return (double) count / v.length;
    }
}
