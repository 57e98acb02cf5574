package io.distillery.model;

import java.nio.FloatBuffer;
import java.util.List;
import java.util.function.Supplier;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.updater.BaseMultiLayerUpdater;
import org.deeplearning4j.nn.updater.UpdaterBlock;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.ResetPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.AdamUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * One optimizer step of a network as {@link Network} builds it (dense layers, then an output layer of identity
 * activation and its loss), in place of {@code MultiLayerNetwork.fit}: the same parameters, gradient view,
 * updater state and iteration count, the same update, for a fraction of the work.
 *
 * <p>What {@code fit} spends that this does not: DL4J's backward pass computes each layer's pre-activation a
 * second time and the gradient with respect to the network's input, which nothing uses (one of a dense layer's
 * four matrix products, two of the first layer's, the largest); and its Adam op takes 5-10 ns a parameter where
 * the same arithmetic as a Java loop over chunks copied to the heap takes about 1 (the student's 101,770
 * parameters: 0.5-1 ms against 0.08 ms). Here the forward pass keeps what the backward pass needs, the first
 * layer passes nothing back, and an Adam network's update is that loop on DL4J's own state view ({@code m} then
 * {@code v} per updater block, as DL4J's {@code AdamUpdater} lays them out), so a network trained by either way
 * continues with the other. Other optimizers go through DL4J's updater (still without the redundant products).
 * {@code DenseStepTest} holds both ways side by side, step after step; {@code bench/run
 * io.distillery.model.FitStepCost} measures them.
 *
 * <p>Also the step of the hint projection ({@link HintProjection}), a network of the same kind.
 *
 * <p>Owned by the network's training thread, as the network is.
 */
final class DenseStep {
    /** Parameters updated per pass of the Adam loop: four chunks of this many floats stay in the L1/L2 caches. */
    private static final int CHUNK = 4096;
    /**
     * Memory of the batch's arrays and the passes', reused from step to step (sized by the first step, grown if a
     * larger batch comes), instead of native allocations that only the garbage collector frees: the roles' peak
     * resident memory was 90-170 MiB higher without it ({@code bench/memory.sh}: teacher 776 and student 889 MiB,
     * with it 684 and 715).
     */
    private static final WorkspaceConfiguration WORKSPACE = WorkspaceConfiguration.builder()
        .initialSize(0)
        .overallocationLimit(0.1)
        .policyAllocation(AllocationPolicy.OVERALLOCATE)
        .policyLearning(LearningPolicy.FIRST_LOOP)
        .policyReset(ResetPolicy.BLOCK_LEFT)
        .policySpill(SpillPolicy.REALLOCATE)
        .build();
    private static final String WORKSPACE_ID = "distillery-dense-step";

    private final MultiLayerNetwork net;
    private final int layers;
    private final INDArray[] weights;
    private final INDArray[] biases;
    private final INDArray[] weightGradients;
    private final INDArray[] biasGradients;
    private final IActivation[] activations;
    private final BaseOutputLayer output;
    private final float[] p = new float[CHUNK];
    private final float[] g = new float[CHUNK];
    private final float[] m = new float[CHUNK];
    private final float[] v = new float[CHUNK];

    private DenseStep(MultiLayerNetwork net) {
        this.net = net;
        this.layers = net.getnLayers();
        this.weights = new INDArray[layers];
        this.biases = new INDArray[layers];
        this.weightGradients = new INDArray[layers];
        this.biasGradients = new INDArray[layers];
        this.activations = new IActivation[layers];
        if (net.getFlattenedGradients() == null) {
            net.initGradientsView(); // as fit does first: a network restored from bytes has none yet
        }
        INDArray gradientView = net.getFlattenedGradients();
        long offset = 0;
        for (int l = 0; l < layers; l++) {
            weights[l] = net.getParam(l + "_W");
            biases[l] = net.getParam(l + "_b");
            long in = weights[l].size(0);
            long out = weights[l].size(1);
            // The gradient view holds each layer's W (column-major, as DL4J keeps W) then b, layer after layer.
            weightGradients[l] = slice(gradientView, offset, in * out).reshape('f', in, out);
            offset += in * out;
            biasGradients[l] = slice(gradientView, offset, out).reshape(1, out);
            offset += out;
            activations[l] = ((BaseLayer) net.getLayer(l).conf().getLayer()).getActivationFn();
        }
        if (offset != gradientView.length()) {
            throw new IllegalStateException("gradient view of " + gradientView.length() + " values, layers hold "
                + offset + ": not a network of dense layers");
        }
        this.output = (BaseOutputLayer) net.getOutputLayer().conf().getLayer();
    }

    /** The step of a network of dense layers and an output layer, each with weights W and biases b. */
    static DenseStep of(MultiLayerNetwork net) {
        return new DenseStep(net);
    }

    /**
     * One step on a batch, as {@code net.fit(features, targets)} takes it with the arrays {@link Batches} makes of
     * the rows and their targets.
     *
     * @param teacherLogits a student's soft targets, or null for hard labels only
     * @return the batch's mean loss before the step, as {@code net.score()} gives it after {@code fit}
     */
    double fit(float[][] x, float[][] teacherLogits, int[] labels) {
        return fit(x, () -> Batches.targets(x.length, teacherLogits, labels, outputs()));
    }

    /**
     * One step toward target rows as wide as the output layer, for a loss that reads them as they are (the hint
     * projection's {@link HintLoss}).
     *
     * @return the batch's mean loss before the step
     */
    double fitTargets(float[][] x, float[][] targets) {
        return fit(x, () -> Batches.features(targets, outputs()));
    }

    private double fit(float[][] x, Supplier<INDArray> targets) {
        int rows = x.length;
        double loss;
        try (MemoryWorkspace ignored = Nd4j.getWorkspaceManager().getAndActivateWorkspace(WORKSPACE, WORKSPACE_ID)) {
            loss = gradients(Batches.features(x, (int) weights[0].size(0)), targets.get());
        }
        int iteration = net.getIterationCount();
        int epoch = net.getEpochCount();
        // Looked up at every step: DL4J replaces its updater when the learning rate changes.
        List<UpdaterBlock> adamBlocks = adamBlocks(net.getUpdater(), net.params(), net.getFlattenedGradients());
        if (adamBlocks != null) {
            for (UpdaterBlock block : adamBlocks) {
                adam(block, iteration, epoch, rows);
            }
        } else {
            dl4jUpdate(iteration, epoch, rows);
        }
        net.setIterationCount(iteration + 1);
        return loss / rows;
    }

    /**
     * The forward and backward passes: the batch's summed loss, and the gradients in the network's gradient view.
     * Every array they make is in the workspace the caller opened, and none outlives it.
     */
    private double gradients(INDArray features, INDArray targets) {
        INDArray[] inputs = new INDArray[layers];
        INDArray[] preActivations = new INDArray[layers];
        INDArray a = features;
        for (int l = 0; l < layers; l++) {
            inputs[l] = a;
            preActivations[l] = a.mmul(weights[l]).addiRowVector(biases[l]);
            a = l == layers - 1 ? preActivations[l] : activations[l].getActivation(preActivations[l].dup(), true);
        }
        ILossFunction loss = output.getLossFn();
        Pair<Double, INDArray> scoreAndGradient = loss.computeGradientAndScore(targets, preActivations[layers - 1],
            output.getActivationFn(), null, false);
        INDArray delta = scoreAndGradient.getSecond();
        for (int l = layers - 1; l >= 0; l--) {
            if (l < layers - 1) {
                delta = activations[l].backprop(preActivations[l], delta).getFirst();
            }
            Nd4j.gemm(inputs[l], delta, weightGradients[l], true, false, 1.0, 0.0);
            delta.sum(biasGradients[l], 0);
            if (l > 0) {
                delta = delta.mmul(weights[l].transpose());
            }
        }
        return scoreAndGradient.getFirst();
    }

    /**
     * Adam on one updater block, as DL4J's op computes it: the gradient divided by the batch size, then
     * {@code m = β1·m + (1−β1)·g}, {@code v = β2·v + (1−β2)·g²},
     * {@code w −= lr·sqrt(1−β2^t)/(1−β1^t) · m/(sqrt(v)+ε)} with {@code t = iteration + 1}.
     */
    private void adam(UpdaterBlock block, int iteration, int epoch, int rows) {
        Adam config = (Adam) ((AdamUpdater) block.getGradientUpdater()).getConfig();
        float beta1 = (float) config.getBeta1();
        float beta2 = (float) config.getBeta2();
        float epsilon = (float) config.getEpsilon();
        int t = iteration + 1;
        float step = (float) (config.getLearningRate(iteration, epoch) * Math.sqrt(1 - Math.pow(beta2, t))
            / (1 - Math.pow(beta1, t)));
        float batch = rows;
        int paramStart = block.getParamOffsetStart();
        int length = block.getParamOffsetEnd() - paramStart;
        int stateStart = block.getUpdaterViewOffsetStart();
        FloatBuffer params = net.params().data().asNioFloat();
        FloatBuffer gradient = net.getFlattenedGradients().data().asNioFloat();
        FloatBuffer state = net.getUpdater().getStateViewArray().data().asNioFloat();
        for (int done = 0; done < length; done += CHUNK) {
            int n = Math.min(CHUNK, length - done);
            int at = paramStart + done;
            params.get(at, p, 0, n);
            gradient.get(at, g, 0, n);
            state.get(stateStart + done, m, 0, n);
            state.get(stateStart + length + done, v, 0, n);
            for (int i = 0; i < n; i++) {
                float gi = g[i] / batch;
                float mi = beta1 * m[i] + gi * (1 - beta1);
                float vi = beta2 * v[i] + gi * gi * (1 - beta2);
                m[i] = mi;
                v[i] = vi;
                p[i] -= mi * step / ((float) Math.sqrt(vi) + epsilon);
            }
            params.put(at, p, 0, n);
            state.put(stateStart + done, m, 0, n);
            state.put(stateStart + length + done, v, 0, n);
        }
    }

    /** The update of any other optimizer: DL4J's updater on the gradient view, then the step on the weights. */
    private void dl4jUpdate(int iteration, int epoch, int rows) {
        INDArray gradientView = net.getFlattenedGradients();
        Gradient gradient = new DefaultGradient(gradientView);
        for (int l = 0; l < layers; l++) {
            gradient.gradientForVariable().put(l + "_W", weightGradients[l]);
            gradient.gradientForVariable().put(l + "_b", biasGradients[l]);
        }
        net.getUpdater().update(net, gradient, iteration, epoch, rows, LayerWorkspaceMgr.noWorkspaces());
        INDArray params = net.params();
        params.subi(gradientView.reshape(params.shape()));
    }

    /**
     * The updater's blocks if every one is plain Adam over float arrays that own their buffers from the start
     * (so that buffer positions are array positions), else null.
     */
    private static List<UpdaterBlock> adamBlocks(Updater updater, INDArray params, INDArray gradients) {
        if (!(updater instanceof BaseMultiLayerUpdater<?> multi) || !wholeFloatBuffer(params)
                || !wholeFloatBuffer(gradients) || !wholeFloatBuffer(updater.getStateViewArray())) {
            return null;
        }
        List<UpdaterBlock> blocks = multi.getUpdaterBlocks();
        for (UpdaterBlock block : blocks) {
            if (!(block.getGradientUpdater() instanceof AdamUpdater adam)
                    || adam.getConfig().getClass() != Adam.class
                    || block.getUpdaterViewOffsetEnd() - block.getUpdaterViewOffsetStart()
                        != 2L * (block.getParamOffsetEnd() - block.getParamOffsetStart())) {
                return null;
            }
        }
        return blocks;
    }

    private static boolean wholeFloatBuffer(INDArray a) {
        return a != null && a.dataType() == DataType.FLOAT && a.offset() == 0 && a.data().offset() == 0
            && a.length() == a.data().length();
    }

    private int outputs() {
        return (int) weights[layers - 1].size(1);
    }

    private static INDArray slice(INDArray row, long from, long length) {
        return row.get(NDArrayIndex.point(0), NDArrayIndex.interval(from, from + length));
    }
}
