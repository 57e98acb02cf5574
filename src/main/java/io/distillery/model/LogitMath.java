package io.distillery.model;

/**
 * Softmax arithmetic on one row of logits, in plain Java (no ND4J), for metrics and checks
 * outside the training loop. Numerically stable (max-shifted log-sum-exp); {@link #kl} and
 * {@link #argmax} allocate nothing. Stateless and thread-safe.
 */
public final class LogitMath {

    private LogitMath() {
    }

    /** {@code softmax(z / t)}. @throws IllegalArgumentException if t is not finite and > 0 */
    public static double[] softmax(float[] z, double t) {
        double[] out = logSoftmax(z, t);
        for (int i = 0; i < out.length; i++) {
            out[i] = Math.exp(out[i]);
        }
        return out;
    }

    /** {@code log softmax(z / t)}. @throws IllegalArgumentException if t is not finite and > 0 */
    public static double[] logSoftmax(float[] z, double t) {
        double max = max(z, t);
        double logSum = logSumShifted(z, t, max);
        double[] out = new double[z.length];
        for (int i = 0; i < z.length; i++) {
            out[i] = (z[i] / t - max) - logSum;
        }
        return out;
    }

    /**
     * {@code KL(softmax(zt / t) || softmax(zs / t))} in nats, from the teacher's logits zt to the
     * student's zs; {@code >= 0}, 0 when the distributions agree.
     *
     * @throws IllegalArgumentException if the widths differ or t is not finite and > 0
     */
    public static double kl(float[] teacherLogits, float[] studentLogits, double t) {
        if (teacherLogits.length != studentLogits.length) {
            throw new IllegalArgumentException("logit widths differ: teacher "
                    + teacherLogits.length + ", student " + studentLogits.length);
        }
        double maxT = max(teacherLogits, t);
        double maxS = max(studentLogits, t);
        double logSumT = logSumShifted(teacherLogits, t, maxT);
        double logSumS = logSumShifted(studentLogits, t, maxS);
        double kl = 0;
        for (int i = 0; i < teacherLogits.length; i++) {
            double logP = (teacherLogits[i] / t - maxT) - logSumT;
            double logQ = (studentLogits[i] / t - maxS) - logSumS;
            kl += Math.exp(logP) * (logP - logQ);
        }
        // Rounding can leave a tiny negative number where the distributions agree.
        return Math.max(0, kl);
    }

    /** Index of the largest logit, the first one on ties. @throws IllegalArgumentException if empty */
    /**
     * Share of positions where two class sequences agree: accuracy against labels, or top-1 agreement
     * between two models. NaN for empty input.
     */
    public static double accuracy(int[] predicted, int[] truth) {
        if (predicted.length != truth.length) {
            throw new IllegalArgumentException(predicted.length + " predictions for " + truth.length + " labels");
        }
        int hits = 0;
        for (int i = 0; i < truth.length; i++) {
            hits += predicted[i] == truth[i] ? 1 : 0;
        }
        return truth.length == 0 ? Double.NaN : (double) hits / truth.length;
    }

    /** The index of the first NaN or infinite value, or -1 when every value is finite. */
    public static int firstNonFinite(float[] values) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                return i;
            }
        }
        return -1;
    }

    public static int argmax(float[] z) {
        if (z.length == 0) {
            throw new IllegalArgumentException("argmax of an empty row");
        }
        int best = 0;
        for (int i = 1; i < z.length; i++) {
            if (z[i] > z[best]) {
                best = i;
            }
        }
        return best;
    }

    /** max(z / t); the shift that keeps exp() from overflowing. */
    private static double max(float[] z, double t) {
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, was " + t);
        }
        if (z.length == 0) {
            throw new IllegalArgumentException("softmax of an empty row");
        }
        double max = Double.NEGATIVE_INFINITY;
        for (float v : z) {
            max = Math.max(max, v / t);
        }
        return max;
    }

    /** log sum exp(z / t - max), kept apart from max so that huge logits lose no precision. */
    private static double logSumShifted(float[] z, double t, double max) {
        double sum = 0;
        for (float v : z) {
            sum += Math.exp(v / t - max);
        }
        return Math.log(sum);
    }
}
