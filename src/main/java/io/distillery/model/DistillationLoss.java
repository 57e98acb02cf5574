package io.distillery.model;

import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.linalg.ops.transforms.Transforms;
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
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn,
                                      INDArray mask) {
        Terms t = new Terms(labels, preOutput, activationFn);
        INDArray logP = t.logSoftmax(t.teacher, temperature);
        INDArray kl = Transforms.exp(logP, true).muli(logP.sub(t.logSoftmax(t.logits, temperature)))
                .sum(true, 1);
        INDArray ce = t.hard.mul(t.logSoftmax(t.logits, 1)).sum(true, 1).negi();
        INDArray score = kl.muli(t.softWeight()).muli(temperature * temperature)
                .addi(ce.muli(t.hardWeight()));
        return applyMask(score, mask);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn,
                                    INDArray mask) {
        Terms t = new Terms(labels, preOutput, activationFn);
        // d(T² KL)/dz = T (q − p);  d CE/dz = softmax(z) · sum(y) − y
        INDArray q = Transforms.exp(t.logSoftmax(t.logits, temperature), false);
        INDArray p = Transforms.exp(t.logSoftmax(t.teacher, temperature), false);
        INDArray soft = q.subi(p).muli(temperature).muliColumnVector(t.softWeight());
        INDArray s = Transforms.exp(t.logSoftmax(t.logits, 1), false);
        INDArray hard = s.muliColumnVector(t.hard.sum(true, 1)).subi(t.hard)
                .muliColumnVector(t.hardWeight());
        INDArray dLdz = soft.addi(hard);
        INDArray grad = activationFn.backprop(preOutput.dup(), dLdz).getFirst();
        return mask == null ? grad : grad.muliColumnVector(columnMask(mask));
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask,
                                                          boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
                computeGradient(labels, preOutput, activationFn, mask));
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

    private static INDArray applyMask(INDArray perRow, INDArray mask) {
        return mask == null ? perRow : perRow.muliColumnVector(columnMask(mask));
    }

    private static INDArray columnMask(INDArray mask) {
        if (mask.length() != mask.size(0)) {
            throw new UnsupportedOperationException(
                    "DistillationLoss supports one mask value per row, got shape "
                            + java.util.Arrays.toString(mask.shape()));
        }
        return mask.reshape(mask.size(0), 1).castTo(mask.dataType());
    }

    /** The parts of one minibatch that both the score and the gradient need. */
    private final class Terms {
        final INDArray logits;
        final INDArray teacher;
        final INDArray hard;
        private final INDArray labeled;

        Terms(INDArray labels, INDArray preOutput, IActivation activationFn) {
            long classes = preOutput.size(1);
            if (labels.rank() != 2 || labels.size(1) != 2 * classes
                    || labels.size(0) != preOutput.size(0)) {
                throw new IllegalArgumentException("labels must be [rows, 2 x " + classes
                        + "] (teacher logits | one-hot), got " + java.util.Arrays.toString(labels.shape()));
            }
            logits = activationFn.getActivation(preOutput.dup(), false);
            teacher = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(0, classes));
            hard = labels.get(NDArrayIndex.all(), NDArrayIndex.interval(classes, 2 * classes));
            labeled = hard.sum(true, 1).gt(0).castTo(preOutput.dataType());
        }

        /** alpha where the row is labeled, 1 where it is not. */
        INDArray softWeight() {
            return labeled.mul(alpha - 1).addi(1);
        }

        /** 1 − alpha where the row is labeled, 0 where it is not. */
        INDArray hardWeight() {
            return labeled.mul(1 - alpha);
        }

        INDArray logSoftmax(INDArray z, double t) {
            INDArray x = z.div(t);
            x.subiColumnVector(x.max(true, 1));
            INDArray lse = Transforms.log(Transforms.exp(x, true).sum(true, 1), false);
            return x.subiColumnVector(lse);
        }
    }
}
