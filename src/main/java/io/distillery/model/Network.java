package io.distillery.model;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.conditions.Conditions;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.IUpdater;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.ILossFunction;

/**
 * A fully connected teacher or student network that outputs logits (pre-softmax scores), in
 * 32-bit floats. A teacher learns from hard labels (softmax cross-entropy); a student also
 * distills from a teacher's logits with {@link DistillationLoss}.
 *
 * <p><b>Not thread-safe</b>: a network is owned by one thread, which trains it. To serve or
 * publish it, hand other threads a {@link #copy()} (milliseconds) and never touch it again.
 *
 * <p>An ensemble teacher ({@link #ensemble}) is one network to its callers: it trains its members on the
 * same batches and predicts the mean of their logits (see {@link Ensemble}).
 *
 * <p>Row arguments are {@code float[rows][features]}; a row of the wrong width, a label out of
 * range or mismatched row counts throw {@link IllegalArgumentException}.
 */
public final class Network implements Predictor {

    private final MultiLayerNetwork net;
    private final NetworkSpec spec;
    private final DistillationSpec distillation;
    /** The members when this is an ensemble, else null; {@link #net} is then the first member's. */
    private final Ensemble ensemble;
    private long steps;
    /** Steps between flushes of tiny optimizer state ({@link UpdaterState}); 0 = never, for the benchmark. */
    private int flushTinyEvery = UpdaterState.FLUSH_EVERY;
    /** What takes a training step, in place of DL4J's {@code fit}; made at the first step. */
    private DenseStep step;

    Network(MultiLayerNetwork net, NetworkSpec spec, DistillationSpec distillation, long steps) {
        this.net = net;
        this.spec = spec;
        this.distillation = distillation;
        this.ensemble = null;
        this.steps = steps;
    }

    private Network(Ensemble ensemble, long steps) {
        Network first = ensemble.members().get(0);
        this.net = first.net;
        this.spec = first.spec;
        this.distillation = null;
        this.ensemble = ensemble;
        this.steps = steps;
    }

    /** A fresh teacher, initialized from {@code spec.seed()}. */
    public static Network teacher(NetworkSpec spec) {
        return create(spec, null);
    }

    /** A fresh student that distills with {@code d}, initialized from {@code spec.seed()}. */
    public static Network student(NetworkSpec spec, DistillationSpec d) {
        return create(spec, Objects.requireNonNull(d, "distillation spec must not be null"));
    }

    /**
     * A teacher of one fresh member per spec (each initialized from its own seed) that predicts the mean of
     * their logits; a single spec gives a plain {@link #teacher}.
     *
     * @throws IllegalArgumentException if there is no spec or the specs differ in inputs or outputs
     */
    public static Network ensemble(List<NetworkSpec> members) {
        if (members.size() == 1) {
            return teacher(members.get(0));
        }
        return new Network(new Ensemble(members.stream().map(Network::teacher).toList()), 0);
    }

    /** An ensemble of existing teachers (read back from bytes), with its step count. */
    static Network ensemble(List<Network> members, long steps) {
        return new Network(new Ensemble(members), steps);
    }

    private static Network create(NetworkSpec spec, DistillationSpec d) {
        ILossFunction loss = d == null ? DistillationLoss.hardOnly() : DistillationLoss.of(d);
        MultiLayerNetwork net = new MultiLayerNetwork(configuration(spec, loss, DataType.FLOAT));
        net.init();
        return new Network(net, spec, d, 0);
    }

    static MultiLayerConfiguration configuration(NetworkSpec spec, ILossFunction loss, DataType type) {
        boolean reluLike = spec.activation().endsWith("relu");
        NeuralNetConfiguration.ListBuilder layers = new NeuralNetConfiguration.Builder()
                .seed(spec.seed())
                .dataType(type)
                .updater(updater(spec.updater(), spec.learningRate()))
                .weightInit(reluLike ? WeightInit.RELU : WeightInit.XAVIER)
                .list();
        int in = spec.inputs();
        for (int width : spec.hidden()) {
            layers.layer(new DenseLayer.Builder().nIn(in).nOut(width)
                    .activation(activation(spec.activation())).build());
            in = width;
        }
        layers.layer(new OutputLayer.Builder(loss).nIn(in).nOut(spec.outputs())
                .activation(Activation.IDENTITY).weightInit(WeightInit.XAVIER).build());
        return layers.build();
    }

    private static IUpdater updater(String name, double lr) {
        return switch (name) {
            case "adam" -> new Adam(lr);
            case "sgd" -> new Sgd(lr);
            case "nesterovs" -> new Nesterovs(lr, 0.9);
            default -> throw new IllegalArgumentException("updater " + name);
        };
    }

    private static Activation activation(String name) {
        return switch (name) {
            case "relu" -> Activation.RELU;
            case "tanh" -> Activation.TANH;
            case "sigmoid" -> Activation.SIGMOID;
            case "leakyrelu" -> Activation.LEAKYRELU;
            default -> throw new IllegalArgumentException("activation " + name);
        };
    }

    /** Logits, {@code [rows][outputs]}; an empty batch gives an empty array. */
    @Override
    public float[][] logits(float[][] rows) {
        if (rows.length == 0) {
            return new float[0][];
        }
        if (ensemble != null) {
            return ensemble.logits(rows);
        }
        return Batches.rows(net.output(Batches.features(rows, inputs()), false));
    }

    /**
     * The activations of the last hidden layer, {@code [rows][hiddenWidth()]}; an ensemble's are its members'
     * side by side, in member order. Computed in the same forward pass as the logits, which come with them.
     *
     * @throws IllegalStateException if the network (or a member) has no hidden layer
     */
    @Override
    public Forward forward(float[][] rows) {
        if (ensemble != null) {
            List<Forward> parts = ensemble.members().stream().map(m -> m.forward(rows)).toList();
            return new Forward(Ensemble.mean(parts.stream().map(Forward::logits).toList()),
                Forward.concat(parts, rows.length));
        }
        if (spec.hidden().isEmpty()) {
            throw new IllegalStateException("no hidden layer: " + this);
        }
        if (rows.length == 0) {
            return new Forward(new float[0][], new float[0][]);
        }
        List<INDArray> activations = net.feedForward(Batches.features(rows, inputs()), false);
        return new Forward(Batches.rows(activations.get(activations.size() - 1)),
            Batches.rows(activations.get(activations.size() - 2)));
    }

    /** Whether the network, or every member of an ensemble, has a hidden layer for {@link #forward} to give. */
    @Override
    public boolean hasHidden() {
        return members().stream().noneMatch(m -> m.spec.hidden().isEmpty());
    }

    /** Width of {@link #forward}'s hidden rows: the last hidden layer's, or the sum of an ensemble's members'. */
    public int hiddenWidth() {
        return members().stream().mapToInt(m -> m.spec.hidden().isEmpty() ? 0 : m.spec.hidden().get(
            m.spec.hidden().size() - 1)).sum();
    }

    /**
     * One optimizer step on softmax cross-entropy with the hard labels (also for a student, whose
     * soft term is left out of this step).
     *
     * @param labels one class in [0, outputs) per row
     * @return the mean loss of the batch before the step, in nats
     */
    public double fitHard(float[][] x, int[] labels) {
        Batches.requireLabeled(labels);
        if (ensemble != null) {
            if (x.length == 0) {
                throw new IllegalArgumentException("cannot fit an empty batch");
            }
            double loss = ensemble.fitHard(x, labels);
            steps++;
            return loss;
        }
        if (distillation == null) {
            return fit(x, null, labels);
        }
        BaseOutputLayer outputConf = (BaseOutputLayer) net.getOutputLayer().conf().getLayer();
        ILossFunction distill = outputConf.getLossFn();
        outputConf.setLossFn(DistillationLoss.hardOnly());
        try {
            return fit(x, null, labels);
        } finally {
            outputConf.setLossFn(distill);
        }
    }

    /**
     * One optimizer step of a student on the distillation loss (see {@link DistillationLoss}).
     *
     * @param teacherLogits the teacher's logits, {@code [rows][outputs]}
     * @param labels        a class in [0, outputs) per row, or -1 where the row is unlabeled
     * @return the mean loss of the batch before the step, in nats
     * @throws IllegalStateException if this is a teacher
     */
    public double fitDistill(float[][] x, float[][] teacherLogits, int[] labels) {
        if (distillation == null) {
            throw new IllegalStateException("fitDistill needs a student; this network is a teacher");
        }
        return fit(x, teacherLogits, labels);
    }

    /** A step on the rows' targets as {@link Batches#targets} makes them (teacher logits or none, labels). */
    private double fit(float[][] x, float[][] teacherLogits, int[] labels) {
        if (x.length == 0) {
            throw new IllegalArgumentException("cannot fit an empty batch");
        }
        if (step == null) {
            step = DenseStep.of(net);
        }
        double loss = step.fit(x, teacherLogits, labels);
        steps++;
        UpdaterState.afterStep(net, steps, flushTinyEvery);
        return loss;
    }

    /**
     * Steps between two flushes of the optimizer state's tiny values ({@link UpdaterState}); 0 never flushes, to
     * measure what the flush saves. Not carried by {@link #copy} or {@link #toBytes}.
     */
    void flushTinyEvery(int steps) {
        if (steps < 0) {
            throw new IllegalArgumentException("flush period must be >= 0, was " + steps);
        }
        this.flushTinyEvery = steps;
    }

    /** Optimizer steps taken since creation, across {@link #toBytes}/{@link #fromBytes}. */
    public long steps() {
        return steps;
    }

    @Override
    public int inputs() {
        return spec.inputs();
    }

    @Override
    public int outputs() {
        return spec.outputs();
    }

    /** The spec it was created with; its learning rate is the initial one. */
    public NetworkSpec spec() {
        return spec;
    }

    /** The distillation settings of a student; empty for a teacher. */
    public Optional<DistillationSpec> distillation() {
        return Optional.ofNullable(distillation);
    }

    public boolean isStudent() {
        return distillation != null;
    }

    /** Whether this teacher is an ensemble of several members. */
    public boolean isEnsemble() {
        return ensemble != null;
    }

    /** The members of an ensemble, in order; a plain network is its own only member. */
    List<Network> members() {
        return ensemble == null ? List.of(this) : ensemble.members();
    }

    /** The learning rate in use, which {@link #setLearningRate} may have changed. */
    public double learningRate() {
        return net.getLayerWiseConfigurations().getConf(0).getLayer()
                .getUpdaterByParam("W").getLearningRate(0, 0);
    }

    /** Sets the learning rate of every layer from the next step on (e.g. a boost on drift). */
    public void setLearningRate(double lr) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new IllegalArgumentException("learning rate must be finite and > 0, was " + lr);
        }
        if (ensemble != null) {
            ensemble.setLearningRate(lr);
            return;
        }
        net.setLearningRate(lr);
    }

    /**
     * Forgets the updater's state (Adam's moment estimates, Nesterov momentum) so that the next
     * step is like a first one, bias correction included; {@link #steps()} keeps counting.
     */
    public void resetUpdaterState() {
        if (ensemble != null) {
            ensemble.resetUpdaterState();
            return;
        }
        Updater updater = net.getUpdater(false);
        INDArray state = updater == null ? null : updater.getStateViewArray();
        if (state != null) {
            state.assign(0);
        }
        net.setIterationCount(0);
        net.setEpochCount(0);
    }

    /** Whether every weight and bias is finite. */
    public boolean weightsFinite() {
        if (ensemble != null) {
            return ensemble.weightsFinite();
        }
        return net.params().scan(Conditions.notFinite()).longValue() == 0;
    }

    /**
     * Copies the weights and the updater state into a {@link Checkpoint} that {@link #restore} puts back;
     * reuses {@code into} when it was made from this network's shape (no allocation), else makes one.
     */
    public Checkpoint checkpoint(Checkpoint into) {
        if (ensemble != null) {
            return new Checkpoint(ensemble.checkpoint(into == null ? null : into.members));
        }
        INDArray state = updaterState();
        Checkpoint c = into != null && into.fits(net.params(), state) ? into : new Checkpoint(net.params(), state);
        c.params.assign(net.params());
        c.hasState = state != null;
        if (state != null) {
            c.state.assign(state);
        }
        return c;
    }

    /** Puts back the weights and updater state of a checkpoint of this network (state zeroed if it had none). */
    public void restore(Checkpoint c) {
        if (ensemble != null) {
            ensemble.restore(c.members);
            return;
        }
        net.params().assign(c.params);
        INDArray state = updaterState();
        if (state != null) {
            if (c.hasState && c.state.length() == state.length()) {
                state.assign(c.state);
            } else {
                state.assign(0);
            }
        }
    }

    private INDArray updaterState() {
        Updater updater = net.getUpdater(false);
        return updater == null ? null : updater.getStateViewArray();
    }

    /** Weights and updater state of a network at one moment; opaque outside this package. */
    public static final class Checkpoint {
        private final INDArray params;
        private final INDArray state;
        /** An ensemble's: one per member (and no params of its own). */
        private final List<Checkpoint> members;
        private boolean hasState;

        private Checkpoint(INDArray params, INDArray state) {
            this.params = params.dup();
            this.state = state == null ? null : state.dup();
            this.members = null;
        }

        private Checkpoint(List<Checkpoint> members) {
            this.params = null;
            this.state = null;
            this.members = List.copyOf(members);
        }

        private boolean fits(INDArray p, INDArray s) {
            return params != null && params.length() == p.length() && (s == null || state != null && state.length() == s.length());
        }
    }

    /**
     * Moves the weights toward {@code live}'s: {@code w = decay·w + (1 − decay)·live} (one step of an
     * exponential moving average, in place, no allocation); the step count becomes {@code live}'s.
     */
    void averageToward(Network live, double decay) {
        List<Network> mine = members();
        List<Network> theirs = live.members();
        if (mine.size() != theirs.size()) {
            throw new IllegalArgumentException("networks differ in members: " + mine.size() + " and "
                + theirs.size());
        }
        for (int i = 0; i < mine.size(); i++) {
            INDArray p = mine.get(i).net.params();
            INDArray q = theirs.get(i).net.params();
            if (p.length() != q.length()) {
                throw new IllegalArgumentException("networks differ in shape: " + p.length() + " and " + q.length()
                    + " parameters");
            }
            p.muli(decay);
            Nd4j.getBlasWrapper().level1().axpy(p.length(), 1 - decay, q, p);
            mine.get(i).steps = theirs.get(i).steps;
        }
        steps = live.steps;
    }

    /** A deep, independent clone (weights, updater state, step count). */
    public Network copy() {
        if (ensemble != null) {
            return new Network(ensemble.copy(), steps);
        }
        return new Network(net.clone(), spec, distillation, steps);
    }

    /**
     * The network as a zip that DL4J's {@code ModelSerializer} reads, with a Distillery entry (spec, role, step
     * count). Without the updater the bytes are about a third as large, but training resumes
     * with fresh updater state.
     */
    public byte[] toBytes(boolean withUpdater) {
        return NetworkFormat.write(this, withUpdater);
    }

    /**
     * The network without its weights or updater state (its configuration, spec, role and step count), for bytes
     * that travel with the network's ONNX graph ({@link OnnxExport}), whose initializers are the weights: a few KB
     * where {@code toBytes(false)} also holds every weight. Read back with {@link #fromBytes(byte[], byte[], boolean)}
     * and the graph.
     */
    public byte[] toBytesWithoutWeights() {
        return NetworkFormat.writeWithoutWeights(this);
    }

    /**
     * Restores a network written by {@link #toBytes}: teacher or student, with its loss.
     *
     * @throws IllegalArgumentException if the bytes are not a readable Distillery network
     */
    public static Network fromBytes(byte[] bytes) {
        return fromBytes(bytes, null, true);
    }

    /**
     * As {@link #fromBytes(byte[])}; without the updater state when {@code withUpdater} is false, for a reader
     * that only predicts (the state is skipped, not restored: a third of the work for an Adam network).
     * Training such a network starts with fresh updater state.
     */
    public static Network fromBytes(byte[] bytes, boolean withUpdater) {
        return fromBytes(bytes, null, withUpdater);
    }

    /**
     * As {@link #fromBytes(byte[], boolean)} for bytes that travel with the network's ONNX graph: bytes written by
     * {@link #toBytesWithoutWeights()} take their weights from the graph's initializers, exactly; others ignore it.
     *
     * @param onnx the ONNX graph's bytes, {@code null} or empty for none; not changed, nor kept
     * @throws IllegalArgumentException if the bytes are not a readable Distillery network, or leave their weights
     *                                  to a graph that is missing, is not ONNX, or lacks one of them in its shape
     */
    public static Network fromBytes(byte[] bytes, byte[] onnx, boolean withUpdater) {
        return NetworkFormat.read(bytes, withUpdater, OnnxWeights.of(onnx));
    }

    MultiLayerNetwork dl4j() {
        return net;
    }

    @Override
    public String toString() {
        return (isStudent() ? "student " : "teacher ") + (ensemble != null ? ensemble.describe() : spec.describe())
            + " after " + steps + " steps";
    }
}
