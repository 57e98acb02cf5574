package io.distillery.model;

/**
 * The arithmetic of {@link DistillationLoss}, row by row in plain Java. A minibatch of logits
 * is small (rows × classes, e.g. 128 × 10), so one pass in Java costs microseconds, where the
 * same formula as some 80 ND4J ops cost milliseconds in fixed per-op overhead.
 *
 * <p>Per row, with p = softmax(t / T), q = softmax(z / T), s = softmax(z), y the label row:
 * score = w_soft · T² · KL(p || q) + w_hard · CE(y, s), and
 * d score / dz = w_soft · T · (q − p) + w_hard · (s · sum(y) − y),
 * where (w_soft, w_hard) = (alpha, 1 − alpha) on a labeled row and (1, 0) on an unlabeled one.
 */
final class DistillationKernel {

    private final double temperature;
    private final double alpha;

    DistillationKernel(double temperature, double alpha) {
        this.temperature = temperature;
        this.alpha = alpha;
    }

    /**
     * @param logits   the student's logits, {@code rows × classes} row-major
     * @param labels   {@code rows × (2 × classes)} row-major: teacher logits, then one-hot or zeros
     * @param scores   out: the loss of each row, length rows
     * @param gradient out: d loss / d logits, {@code rows × classes} row-major, or null
     */
    void compute(double[] logits, double[] labels, int classes, double[] scores, double[] gradient) {
        double[] logP = new double[classes];
        double[] logQ = new double[classes];
        double[] logS = new double[classes];
        double t = temperature;
        for (int r = 0; r < scores.length; r++) {
            int zBase = r * classes;
            int yBase = (2 * r + 1) * classes;
            logSoftmax(labels, 2 * r * classes, classes, t, logP);
            logSoftmax(logits, zBase, classes, t, logQ);
            logSoftmax(logits, zBase, classes, 1, logS);
            double ySum = 0;
            double kl = 0;
            double ce = 0;
            for (int j = 0; j < classes; j++) {
                double y = labels[yBase + j];
                ySum += y;
                kl += Math.exp(logP[j]) * (logP[j] - logQ[j]);
                ce -= y * logS[j];
            }
            boolean labeled = ySum > 0;
            double softWeight = labeled ? alpha : 1;
            double hardWeight = labeled ? 1 - alpha : 0;
            scores[r] = softWeight * t * t * kl + hardWeight * ce;
            if (gradient != null) {
                for (int j = 0; j < classes; j++) {
                    double soft = t * (Math.exp(logQ[j]) - Math.exp(logP[j]));
                    double hard = Math.exp(logS[j]) * ySum - labels[yBase + j];
                    gradient[zBase + j] = softWeight * soft + hardWeight * hard;
                }
            }
        }
    }

    /** out = log softmax(v[from, from + n) / t), max-shifted for stability. */
    private static void logSoftmax(double[] v, int from, int n, double t, double[] out) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < n; j++) {
            max = Math.max(max, v[from + j] / t);
        }
        double sum = 0;
        for (int j = 0; j < n; j++) {
            out[j] = v[from + j] / t - max;
            sum += Math.exp(out[j]);
        }
        double logSum = Math.log(sum);
        for (int j = 0; j < n; j++) {
            out[j] -= logSum;
        }
    }
}
