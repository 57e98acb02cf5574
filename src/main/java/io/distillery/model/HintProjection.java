package io.distillery.model;

import io.distillery.spec.NetworkSpec;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * FitNets-style hints for a student: a linear projection of the student's last hidden layer onto the
 * teacher's last hidden layer, trained with {@link HintLoss}, whose gradient also moves the student's hidden
 * layers. It is a second DL4J network made of the student's hidden layers and the projection: a step copies
 * the student's hidden weights in, takes one optimizer step on the hint loss, and copies them back, so the
 * student's own output layer and distillation step are untouched. The projection (and this network's
 * optimizer state) exists only for training: it is in no snapshot, and starts fresh after a restart.
 *
 * <p>Not thread-safe: owned by the thread that trains the student.
 */
public final class HintProjection {
    private final MultiLayerNetwork net;
    private final DenseStep step;
    private final int hiddenLayers;
    private final int teacherWidth;

    private HintProjection(MultiLayerNetwork net, int hiddenLayers, int teacherWidth) {
        this.net = net;
        this.step = DenseStep.of(net);
        this.hiddenLayers = hiddenLayers;
        this.teacherWidth = teacherWidth;
    }

    /**
     * A projection for {@code student} onto a teacher hidden layer of {@code teacherWidth} values.
     *
     * @throws IllegalArgumentException if the student has no hidden layer or the width is below 2
     */
    public static HintProjection of(Network student, int teacherWidth, double weight) {
        NetworkSpec spec = student.spec();
        if (spec.hidden().isEmpty()) {
            throw new IllegalArgumentException("hints need a student with a hidden layer, was " + spec.describe());
        }
        if (teacherWidth < 2) {
            throw new IllegalArgumentException("teacher hidden width must be >= 2, was " + teacherWidth);
        }
        // The projection is the output layer, as wide as the teacher's hidden layer.
        NetworkSpec shape = new NetworkSpec(spec.inputs(), spec.hidden(), teacherWidth, spec.activation(),
            spec.updater(), student.learningRate(), spec.seed());
        MultiLayerNetwork net = new MultiLayerNetwork(Network.configuration(shape, new HintLoss(weight),
            DataType.FLOAT));
        net.init();
        return new HintProjection(net, spec.hidden().size(), teacherWidth);
    }

    /** Width of the teacher hidden layer it projects onto. */
    public int teacherWidth() {
        return teacherWidth;
    }

    /**
     * One step on the hint loss for rows {@code x} whose teacher hidden layers are {@code teacherHidden}; the
     * student's hidden layers move with it.
     *
     * @return the mean hint loss of the batch before the step
     * @throws IllegalArgumentException if a row of {@code teacherHidden} is not {@link #teacherWidth()} wide
     */
    public double step(Network student, float[][] x, float[][] teacherHidden) {
        if (x.length == 0 || x.length != teacherHidden.length) {
            throw new IllegalArgumentException("need as many hint rows as input rows (> 0), were "
                + teacherHidden.length + " and " + x.length);
        }
        for (float[] row : teacherHidden) {
            if (row.length != teacherWidth) {
                throw new IllegalArgumentException("teacher hidden rows must have " + teacherWidth + " values, had "
                    + row.length);
            }
        }
        MultiLayerNetwork own = student.dl4j();
        copyHidden(own, net);
        double loss = step.fitTargets(x, teacherHidden);
        UpdaterState.afterStep(net, net.getIterationCount(), UpdaterState.FLUSH_EVERY);
        copyHidden(net, own);
        return loss;
    }

    /** The projection of the student's last hidden layer, {@code [rows][teacherWidth]} (for tests). */
    float[][] project(Network student, float[][] x) {
        copyHidden(student.dl4j(), net);
        return Batches.rows(net.output(Batches.features(x, student.inputs()), false));
    }

    private void copyHidden(MultiLayerNetwork from, MultiLayerNetwork to) {
        for (int i = 0; i < hiddenLayers; i++) {
            to.getLayer(i).params().assign(from.getLayer(i).params());
        }
    }
}
