package io.distillery.model;

import io.distillery.spec.DistillationSpec;
import java.util.Arrays;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * Knowledge-distillation loss of Hinton et al. (2015) on logits, for an {@code OutputLayer} with
 * IDENTITY activation (the layer emits logits z).
 *
 * <p>Each label row is {@code [teacher logits | one-hot label or all zeros]}, width 2 × classes.
 * With p = softmax(z_t / T), q = softmax(z / T):
 * <pre>
 *   labeled row:   alpha · T² · KL(p || q) + (1 − alpha) · CE(y, softmax(z))
 *   unlabeled row:         T² · KL(p || q)
 * </pre>
 * An unlabeled row has only the soft target to learn from, so it gets the full soft term rather
 * than {@code alpha} of it; otherwise a small alpha would also shrink the step on the (many)
 * unlabeled rows, which is where distillation earns its keep. T² keeps the soft gradient's scale
 * independent of T. With alpha = 0 and a label on every row this is softmax cross-entropy on
 * logits, which the teacher uses (its teacher-logit half is then ignored).
 *
 * <p>Immutable. Jackson creator and {@code equals} let DL4J's config JSON round-trip it; renaming
 * or moving this class breaks every saved snapshot.
 */
public final class DistillationLoss implements ILossFunction {

    private static final long serialVersionUID = 1L;

    @JsonProperty("temperature")
    private final double temperature;
    @JsonProperty("alpha")
    private final double alpha;

    @JsonCreator
    public DistillationLoss(@JsonProperty("temperature") double temperature,
                            @JsonProperty("alpha") double alpha) {
        DistillationSpec valid = new DistillationSpec(temperature, alpha);
        this.temperature = valid.temperature();
        this.alpha = valid.alpha();
    }

    /** The loss of a {@link DistillationSpec}. */
    public static DistillationLoss of(DistillationSpec spec) {
        return new DistillationLoss(spec.temperature(), spec.alpha());
    }

    /** Softmax cross-entropy on logits: every row must carry a label. */
    public static DistillationLoss hardOnly() {
        return new DistillationLoss(1, 0);
    }

    public double temperature() {
        return temperature;
    }

    public double alpha() {
        return alpha;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn,
                               INDArray mask, boolean average) {
        double sum = rowScores(labels, preOutput, activationFn, mask, null).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                      INDArray mask) {
        return rowScores(labels, preOutput, activationFn, mask, null);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
                                    INDArray mask) {
        INDArray[] gradient = new INDArray[1];
        rowScores(labels, preOutput, activationFn, mask, gradient);
        return gradient[0];
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask,
                                                          boolean average) {
        INDArray[] gradient = new INDArray[1];
        double sum = rowScores(labels, preOutput, activationFn, mask, gradient).sumNumber().doubleValue();
        return new Pair<>(average ? sum / preOutput.size(0) : sum, gradient[0]);
    }

    /**
     * The loss of each row as a {@code [rows, 1]} array; when {@code gradientOut} is not null,
     * also d loss / d preOutput into its first element. Both masked if a mask is given.
     */
    private INDArray rowScores(INDArray labels, INDArray preOutput, IActivation activationFn,
                               INDArray mask, INDArray[] gradientOut) {
        int rows = (int) preOutput.size(0);
        int classes = (int) preOutput.size(1);
        if (labels.rank() != 2 || labels.size(1) != 2L * classes || labels.size(0) != rows) {
            throw new IllegalArgumentException("labels must be [" + rows + ", 2 x " + classes
                    + "] (teacher logits | one-hot), got " + Arrays.toString(labels.shape()));
        }
        double[] logits = rowMajor(activationFn.getActivation(preOutput.dup(), true));
        double[] scores = new double[rows];
        double[] dLdz = gradientOut == null ? null : new double[rows * classes];
        new DistillationKernel(temperature, alpha).compute(logits, rowMajor(labels), classes, scores, dLdz);
        double[] rowMask = mask == null ? null : rowMask(mask, rows);
        if (rowMask != null) {
            for (int r = 0; r < rows; r++) {
                scores[r] *= rowMask[r];
                for (int j = 0; j < classes && dLdz != null; j++) {
                    dLdz[r * classes + j] *= rowMask[r];
                }
            }
        }
        DataType type = preOutput.dataType();
        if (gradientOut != null) {
            INDArray dLdOut = Nd4j.create(dLdz, new long[] {rows, classes}, type);
            gradientOut[0] = activationFn.backprop(preOutput.dup(), dLdOut).getFirst();
        }
        return Nd4j.create(scores, new long[] {rows, 1}, type);
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DistillationLoss other
                && Double.compare(temperature, other.temperature) == 0
                && Double.compare(alpha, other.alpha) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Double.hashCode(temperature) + Double.hashCode(alpha);
    }

    @Override
    public String toString() {
        return "DistillationLoss(temperature=" + temperature + ", alpha=" + alpha + ")";
    }

    /** One bulk copy; toDoubleMatrix() would cost two ND4J ops per row. */
    private static double[] rowMajor(INDArray a) {
        return a.dup('c').data().asDouble();
    }

    private static double[] rowMask(INDArray mask, int rows) {
        if (mask.length() != rows) {
            throw new UnsupportedOperationException(
                    "DistillationLoss supports one mask value per row, got shape "
                            + Arrays.toString(mask.shape()));
        }
        return mask.reshape(rows).castTo(DataType.DOUBLE).toDoubleVector();
    }
}
