package io.distillery.model;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Writes a {@link Network} as an ONNX model that computes the same logits as {@link Network#logits}, for a
 * predict-only engine such as ONNX Runtime. Built with ONNX's own protobuf schema ({@code ai.onnx.proto.OnnxMl}).
 *
 * <p>The graph (opset {@value #OPSET}, default domain, IR version {@value #IR_VERSION}): input {@value #INPUT},
 * float {@code [N, inputs]} with the symbolic batch dimension {@value #BATCH_DIM}; per layer one {@code Gemm}
 * ({@code transB=0}: the weights keep DL4J's {@code [nIn, nOut]} layout, the bias is {@code [nOut]}) followed by
 * the layer's activation ({@code Relu}, {@code Tanh}, {@code Sigmoid}, {@code LeakyRelu} with DL4J's alpha; none
 * for the identity of the output layer); then an {@code Identity} to the first output {@value #OUTPUT}, float
 * {@code [N, outputs]}. An ensemble teacher's graph holds each member's layers under the name prefix
 * {@code m<i>_} and ends in one {@code Mean} of the members' logits to {@value #OUTPUT}.
 *
 * <p>A teacher's graph has a second output, {@value #HIDDEN}, float {@code [N, hidden width]}: the activations
 * of its last hidden layer (an {@code Identity}), or an ensemble's members' side by side in member order (a
 * {@code Concat} on axis 1), as {@link Network#forward} gives them, for the emitter's hints. A student's graph,
 * and a teacher without hidden layers, have {@value #OUTPUT} only: nothing reads a student's hidden layer, and
 * the graph that serving and the model download hand out stays one output. Readers find outputs by name.
 *
 * <p>Weights are 32-bit float initializers, little-endian raw data. The same network and metadata always give
 * the same bytes.
 *
 * <p>Threading: reads the network's weights, so call it on the thread that owns the network, or on a
 * {@link Network#copy()}.
 */
public final class OnnxExport {
    /** Name of the graph input, float {@code [N, inputs]}. */
    public static final String INPUT = "input";
    /** Name of the (first) graph output, float {@code [N, outputs]}: logits, before any softmax. */
    public static final String OUTPUT = "logits";
    /** Name of a teacher graph's second output, float {@code [N, hidden width]}: its last hidden layer. */
    public static final String HIDDEN = "hidden";
    /** The symbolic batch dimension of input and outputs. */
    public static final String BATCH_DIM = "N";
    /** Operator set of the default ONNX domain. */
    public static final int OPSET = 13;
    /** ONNX IR version 8: what ONNX 1.10 to 1.12 write; ONNX Runtime 1.23 reads IR up to 11. */
    public static final long IR_VERSION = 8;
    /** {@code producer_name} of every exported model. */
    public static final String PRODUCER = "distillery";

    private OnnxExport() {
    }

    /**
     * The network as ONNX model bytes.
     *
     * @param metadata written as the model's {@code metadata_props} (e.g. model, version, snapshot id), in key
     *                 order; keys must be non-empty, values non-null
     * @throws IllegalArgumentException if a metadata key is empty or a layer uses an activation ONNX export does
     *                                  not know
     * @throws NullPointerException     if the network, the metadata, or a key or value in it is null
     */
    public static byte[] export(Network network, Map<String, String> metadata) {
        Objects.requireNonNull(network, "network must not be null");
        Objects.requireNonNull(metadata, "metadata must not be null");
        ModelProto.Builder model = ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setProducerName(PRODUCER)
            .setDocString(network.toString())
            .setGraph(graph(network));
        String version = OnnxExport.class.getPackage().getImplementationVersion();
        if (version != null) {
            model.setProducerVersion(version);
        }
        for (Map.Entry<String, String> e : new TreeMap<>(metadata).entrySet()) {
            if (e.getKey().isEmpty()) {
                throw new IllegalArgumentException("metadata keys must not be empty, was \"\" = " + e.getValue());
            }
            model.addMetadataProps(StringStringEntryProto.newBuilder()
                .setKey(e.getKey())
                .setValue(Objects.requireNonNull(e.getValue(), () -> "metadata " + e.getKey() + " has no value")));
        }
        return model.build().toByteArray();
    }

    private static GraphProto graph(Network network) {
        GraphProto.Builder graph = GraphProto.newBuilder()
            .setName(PRODUCER + " " + (network.isEnsemble() ? "ensemble " : "") + network.spec().describe())
            .addInput(floatMatrix(INPUT, network.inputs()))
            .addOutput(floatMatrix(OUTPUT, network.outputs()));
        List<Network> members = network.members();
        List<Tops> tops = new ArrayList<>();
        for (int m = 0; m < members.size(); m++) {
            tops.add(layers(graph, members.get(m), network.isEnsemble() ? memberPrefix(m) : ""));
        }
        if (!network.isEnsemble()) {
            graph.addNode(NodeProto.newBuilder().setOpType("Identity").setName("output")
                .addInput(tops.get(0).logits()).addOutput(OUTPUT));
        } else {
            NodeProto.Builder mean = NodeProto.newBuilder().setOpType("Mean").setName("mean").addOutput(OUTPUT);
            tops.forEach(t -> mean.addInput(t.logits()));
            graph.addNode(mean);
        }
        if (!network.isStudent() && network.hasHidden()) {
            graph.addOutput(floatMatrix(HIDDEN, network.hiddenWidth()));
            NodeProto.Builder hidden = NodeProto.newBuilder().setName(HIDDEN).addOutput(HIDDEN);
            tops.forEach(t -> hidden.addInput(t.hidden()));
            if (network.isEnsemble()) {
                hidden.setOpType("Concat").addAttribute(AttributeProto.newBuilder().setName("axis")
                    .setType(AttributeProto.AttributeType.INT).setI(1));
            } else {
                hidden.setOpType("Identity");
            }
            graph.addNode(hidden);
        }
        return graph.build();
    }

    /** Names of a plain network's logits and of its last hidden layer's activations (null without one). */
    private record Tops(String logits, String hidden) {
    }

    /** Adds a plain network's layers with every name prefixed; returns the names of its top two layers. */
    private static Tops layers(GraphProto.Builder graph, Network network, String prefix) {
        Layer[] layers = network.dl4j().getLayers();
        String x = INPUT;
        String below = null;
        for (int i = 0; i < layers.length; i++) {
            INDArray w = layers[i].getParam("W");
            INDArray b = layers[i].getParam("b");
            if (w == null || b == null) {
                throw new IllegalArgumentException("layer " + i + " has no weights or no bias; only dense layers export");
            }
            // W is [nIn, nOut], a view into the parameter vector: read it row by row, whatever its ordering.
            graph.addInitializer(floats(weightName(prefix, i), rowMajor(Batches.rows(w)), w.size(0), w.size(1)));
            graph.addInitializer(floats(biasName(prefix, i), b.toFloatVector(), b.length()));
            String z = prefix + "z" + i;
            graph.addNode(NodeProto.newBuilder().setOpType("Gemm").setName(prefix + "gemm" + i)
                .addInput(x).addInput(weightName(prefix, i)).addInput(biasName(prefix, i)).addOutput(z)
                .addAttribute(AttributeProto.newBuilder().setName("transB").setType(AttributeProto.AttributeType.INT)
                    .setI(0)));
            below = i == 0 ? null : x;
            x = activation(graph, prefix, i, ((BaseLayer) layers[i].conf().getLayer()).getActivationFn(), z);
        }
        return new Tops(x, below);
    }

    /** The name prefix of ensemble member {@code m}'s nodes and initializers. */
    static String memberPrefix(int m) {
        return "m" + m + "_";
    }

    /** The initializer of layer {@code i}'s weights, float {@code [nIn, nOut]}. */
    static String weightName(String prefix, int i) {
        return prefix + "W" + i;
    }

    /** The initializer of layer {@code i}'s bias, float {@code [nOut]}. */
    static String biasName(String prefix, int i) {
        return prefix + "b" + i;
    }

    /** Adds the node of layer {@code i}'s activation on {@code z}, if any; returns the name of its output. */
    private static String activation(GraphProto.Builder graph, String prefix, int i, IActivation fn, String z) {
        if (fn instanceof ActivationIdentity) {
            return z;
        }
        NodeProto.Builder node = NodeProto.newBuilder().addInput(z).addOutput(prefix + "h" + i);
        if (fn instanceof ActivationReLU relu && relu.getMax() == null && relu.getThreshold() == null
            && relu.getNegativeSlope() == null) {
            node.setOpType("Relu");
        } else if (fn instanceof ActivationTanH) {
            node.setOpType("Tanh");
        } else if (fn instanceof ActivationSigmoid) {
            node.setOpType("Sigmoid");
        } else if (fn instanceof ActivationLReLU leaky) {
            node.setOpType("LeakyRelu").addAttribute(AttributeProto.newBuilder().setName("alpha")
                .setType(AttributeProto.AttributeType.FLOAT).setF((float) leaky.getAlpha()));
        } else {
            throw new IllegalArgumentException("layer " + i + ": cannot export activation " + fn);
        }
        graph.addNode(node.setName(prefix + node.getOpType().toLowerCase(Locale.ROOT) + i));
        return prefix + "h" + i;
    }

    private static float[] rowMajor(float[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        float[] flat = new float[rows.length * width];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, flat, i * width, width);
        }
        return flat;
    }

    /** A float initializer with the given dims, from row-major values, as little-endian raw data. */
    private static TensorProto floats(String name, float[] values, long... dims) {
        ByteBuffer raw = ByteBuffer.allocate(values.length * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(TensorProto.DataType.FLOAT_VALUE)
            .setRawData(ByteString.copyFrom(raw));
        for (long d : dims) {
            t.addDims(d);
        }
        return t.build();
    }

    /** A float tensor {@code [N, width]} for a graph input or output. */
    private static ValueInfoProto floatMatrix(String name, int width) {
        TensorShapeProto shape = TensorShapeProto.newBuilder()
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimParam(BATCH_DIM))
            .addDim(TensorShapeProto.Dimension.newBuilder().setDimValue(width))
            .build();
        TypeProto type = TypeProto.newBuilder().setTensorType(TypeProto.Tensor.newBuilder()
            .setElemType(TensorProto.DataType.FLOAT_VALUE).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }
}
