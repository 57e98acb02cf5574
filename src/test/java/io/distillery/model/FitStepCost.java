package io.distillery.model;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.ingest.Dataset;
import io.distillery.ingest.FashionMnist;
import java.util.Random;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * What a training step costs through DL4J's {@code MultiLayerNetwork.fit} and through {@link DenseStep} (what
 * {@link Network} uses), side by side in one JVM: two copies of the default student (784-128-10, distilling,
 * seven rows in eight unlabeled) and two of the default teacher (784-512-256-10, hard labels), each pair trained
 * on the same Fashion-MNIST batches of its default size, both flushing tiny optimizer state alike. Their rounds
 * alternate, so a noisy neighbour slows both alike; each round prints ms per step, the ratio and how far apart the
 * two copies' weights are. Usage: {@code bench/run io.distillery.model.FitStepCost [rounds]
 * [steps-per-round]} (6 and 200; Fashion-MNIST from {@code apt-get install -y dataset-fashion-mnist}).
 */
public final class FitStepCost {
    public static void main(String[] args) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 6;
        int perRound = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        StudentSettings ss = StudentSettings.from(Config.defaults());
        TeacherSettings ts = TeacherSettings.from(Config.defaults());
        Dataset train = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TRAIN);
        Network student = Network.student(ss.network(), ss.distillation());
        Network studentTwin = student.copy();
        Network teacher = Network.teacher(ts.network());
        Network teacherTwin = teacher.copy();
        System.out.printf("student %s batch %d, teacher %s batch %d, %d steps a round; rounds alternate%n",
            ss.network().hidden(), ss.batchSize(), ts.network().hidden(), ts.batchSize(), perRound);
        System.out.println("| round | student: DL4J fit ms/step | student: DenseStep ms/step | ratio "
            + "| teacher: DL4J fit ms/step | teacher: DenseStep ms/step | ratio | largest weight difference, student / teacher |");
        System.out.println("|---|---|---|---|---|---|---|---|");
        for (int round = 1; round <= rounds; round++) {
            double sFit = train(studentTwin, true, train, ss.batchSize(), perRound, new Random(round));
            double sOurs = train(student, false, train, ss.batchSize(), perRound, new Random(round));
            double tFit = train(teacherTwin, true, train, ts.batchSize(), perRound, new Random(round));
            double tOurs = train(teacher, false, train, ts.batchSize(), perRound, new Random(round));
            System.out.printf("| %d | %.2f | %.2f | %.2f× | %.2f | %.2f | %.2f× | %.1e / %.1e |%n", round, sFit, sOurs,
                sFit / sOurs, tFit, tOurs, tFit / tOurs, largestDifference(student, studentTwin),
                largestDifference(teacher, teacherTwin));
        }
    }

    /** ms per step over {@code steps} steps; {@code dl4jFit} trains through {@code MultiLayerNetwork.fit}. */
    private static double train(Network n, boolean dl4jFit, Dataset data, int batch, int steps, Random random) {
        float[][] x = new float[batch][];
        float[][] teacherLogits = new float[batch][FashionMnist.CLASSES];
        int[] y = new int[batch];
        MultiLayerNetwork net = n.dl4j();
        long t0 = System.nanoTime();
        for (int s = 0; s < steps; s++) {
            AdamStepCost.sample(data, random, x, y);
            for (int i = 0; i < batch; i++) {
                for (int c = 0; c < FashionMnist.CLASSES; c++) {
                    teacherLogits[i][c] = (c == y[i] ? 4 : 0) + (float) random.nextGaussian();
                }
                if (n.isStudent() && i % 8 != 0) {
                    y[i] = -1;
                }
            }
            if (dl4jFit) {
                net.fit(Batches.features(x, n.inputs()), Batches.targets(batch, n.isStudent() ? teacherLogits : null, y,
                    n.outputs()));
                UpdaterState.afterStep(net, net.getIterationCount(), UpdaterState.FLUSH_EVERY);
            } else if (n.isStudent()) {
                n.fitDistill(x, teacherLogits, y);
            } else {
                n.fitHard(x, y);
            }
        }
        return (System.nanoTime() - t0) / 1e6 / steps;
    }

    private static double largestDifference(Network a, Network b) {
        return a.dl4j().params().sub(b.dl4j().params()).amaxNumber().doubleValue();
    }
}
