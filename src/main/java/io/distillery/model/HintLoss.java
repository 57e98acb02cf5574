package io.distillery.model;

import java.util.Arrays;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.lossfunctions.ILossFunction;
import org.nd4j.shade.jackson.annotation.JsonCreator;
import org.nd4j.shade.jackson.annotation.JsonProperty;

/**
 * The FitNets hint loss (Romero et al., 2015) for the output layer of a {@link HintProjection}: with r the
 * projection of the student's last hidden layer and h the teacher's last hidden layer, a row scores
 * {@code weight / 2 · Σ_j (r_j − h_j)²}, whose gradient is {@code weight · (r − h)}. Rows that carry no
 * hint have a mask of 0.
 *
 * <p>Immutable; a Jackson creator and {@code equals} let DL4J's config JSON round-trip it.
 */
public final class HintLoss implements ILossFunction {
    private static final long serialVersionUID = 1L;

    @JsonProperty("weight")
    private final double weight;

    @JsonCreator
    public HintLoss(@JsonProperty("weight") double weight) {
        if (!(weight > 0) || Double.isInfinite(weight)) {
            throw new IllegalArgumentException("hint weight must be finite and > 0, was " + weight);
        }
        this.weight = weight;
    }

    public double weight() {
        return weight;
    }

    @Override
    public double computeScore(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask,
                               boolean average) {
        double sum = computeScoreArray(labels, preOutput, activationFn, mask).sumNumber().doubleValue();
        return average ? sum / preOutput.size(0) : sum;
    }

    @Override
    public INDArray computeScoreArray(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray diff = difference(labels, preOutput, activationFn, mask);
        return diff.muli(diff).sum(true, 1).muli(weight / 2);
    }

    @Override
    public INDArray computeGradient(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        INDArray dLdOut = difference(labels, preOutput, activationFn, mask).muli(weight);
        return activationFn.backprop(preOutput.dup(), dLdOut).getFirst();
    }

    @Override
    public Pair<Double, INDArray> computeGradientAndScore(INDArray labels, INDArray preOutput,
                                                          IActivation activationFn, INDArray mask, boolean average) {
        return new Pair<>(computeScore(labels, preOutput, activationFn, mask, average),
            computeGradient(labels, preOutput, activationFn, mask));
    }

    /** (r − h), rows with mask 0 zeroed. */
    private static INDArray difference(INDArray labels, INDArray preOutput, IActivation activationFn, INDArray mask) {
        if (!Arrays.equals(labels.shape(), preOutput.shape())) {
            throw new IllegalArgumentException("hint labels must have the projection's shape "
                + Arrays.toString(preOutput.shape()) + ", got " + Arrays.toString(labels.shape()));
        }
        INDArray diff = activationFn.getActivation(preOutput.dup(), true).subi(labels.castTo(preOutput.dataType()));
        if (mask != null) {
            if (mask.length() != preOutput.size(0)) {
                throw new UnsupportedOperationException("HintLoss supports one mask value per row, got shape "
                    + Arrays.toString(mask.shape()));
            }
            diff.muliColumnVector(mask.reshape(preOutput.size(0), 1).castTo(preOutput.dataType()));
        }
        return diff;
    }

    @Override
    public String name() {
        return toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof HintLoss other && Double.compare(weight, other.weight) == 0;
    }

    @Override
    public int hashCode() {
        return Double.hashCode(weight);
    }

    @Override
    public String toString() {
        return "HintLoss(weight=" + weight + ")";
    }
}
