package io.distillery.model;

import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.CodedInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;

/**
 * The weights of a network read from its ONNX graph as {@link OnnxExport} writes it, for network bytes that leave
 * their weights to the graph ({@link NetworkFormat}): layer {@code i}'s {@code W} is the initializer {@code
 * <prefix>W<i>}, float {@code [nIn, nOut]} row-major, its {@code b} the initializer {@code <prefix>b<i>}, float
 * {@code [nOut]}, where the prefix is an ensemble member's {@code m<k>_} or empty. The values are copied into the
 * network exactly, so the network computes what the graph computes (a snapshot reader's ONNX gate then compares the
 * two, as for any snapshot).
 *
 * <p>The graph is parsed once, when weights are first asked for (network bytes that carry their own never ask), its
 * initializers' bytes aliasing the given array (not copied); ensemble members share that parse. Not thread-safe;
 * not for use after the array changes.
 */
final class OnnxWeights {
    private final Graph graph;
    private final String prefix;

    /** The bytes, and their initializers once parsed. */
    private static final class Graph {
        private final byte[] onnx;
        private Map<String, TensorProto> initializers;

        Graph(byte[] onnx) {
            this.onnx = onnx;
        }

        Map<String, TensorProto> initializers() {
            if (initializers == null) {
                initializers = parse(onnx);
            }
            return initializers;
        }
    }

    private OnnxWeights(Graph graph, String prefix) {
        this.graph = graph;
        this.prefix = prefix;
    }

    /** The weights in an ONNX model's bytes; {@code null} or empty for none (see {@link #present}). */
    static OnnxWeights of(byte[] onnx) {
        return new OnnxWeights(onnx == null || onnx.length == 0 ? null : new Graph(onnx), "");
    }

    /** Whether there is a graph to take weights from; {@link #params} needs one. */
    boolean present() {
        return graph != null;
    }

    /** @throws IllegalArgumentException if the bytes are not an ONNX model */
    private static Map<String, TensorProto> parse(byte[] onnx) {
        ModelProto model;
        try {
            CodedInputStream in = CodedInputStream.newInstance(onnx);
            in.enableAliasing(true);
            model = ModelProto.parseFrom(in);
        } catch (IOException e) {
            throw new IllegalArgumentException("the ONNX section is not an ONNX model: " + e.getMessage(), e);
        }
        Map<String, TensorProto> byName = new HashMap<>();
        for (TensorProto t : model.getGraph().getInitializerList()) {
            byName.put(t.getName(), t);
        }
        return byName;
    }

    /** The weights of ensemble member {@code index}, whose names carry its prefix. */
    OnnxWeights member(int index) {
        return new OnnxWeights(graph, OnnxExport.memberPrefix(index));
    }

    /**
     * The network's parameter vector as DL4J lays it out for dense layers: per layer, the weights {@code [nIn, nOut]}
     * column by column ('f' order), then the bias. Built in one array, so that the network's parameters are one
     * native buffer, as when DL4J reads them; a layout other than DL4J's would give a network that differs from the
     * graph, which the ONNX gate then refuses.
     *
     * @throws IllegalArgumentException naming the first initializer that is missing, not 32-bit float, or of
     *                                  another shape than its layer's, or when a layer is not a dense one with a bias
     */
    float[] params(MultiLayerConfiguration conf, long count) {
        float[] params = new float[Math.toIntExact(count)];
        int at = 0;
        for (int i = 0; i < conf.getConfs().size(); i++) {
            if (!(conf.getConf(i).getLayer() instanceof FeedForwardLayer layer)) {
                throw new IllegalArgumentException("layer " + i + " is not a dense layer; only dense layers take "
                    + "their weights from an ONNX graph");
            }
            int in = Math.toIntExact(layer.getNIn());
            int out = Math.toIntExact(layer.getNOut());
            float[] w = floats(OnnxExport.weightName(prefix, i), in, out);
            float[] b = floats(OnnxExport.biasName(prefix, i), out);
            if (at + w.length + b.length > params.length) {
                throw new IllegalArgumentException("layer " + i + " has more weights than the network's parameters");
            }
            for (int c = 0; c < out; c++) {
                for (int r = 0; r < in; r++) {
                    params[at++] = w[r * out + c];
                }
            }
            System.arraycopy(b, 0, params, at, out);
            at += out;
        }
        if (at != params.length) {
            throw new IllegalArgumentException("the graph's weights and biases are " + at + " floats, the network has "
                + params.length + " parameters");
        }
        return params;
    }

    /** The values of one float initializer, which must have exactly the given dimensions. */
    private float[] floats(String name, long... dims) {
        TensorProto t = graph.initializers().get(name);
        if (t == null) {
            throw new IllegalArgumentException("the ONNX graph has no initializer " + name);
        }
        long[] got = t.getDimsList().stream().mapToLong(Long::longValue).toArray();
        if (t.getDataType() != TensorProto.DataType.FLOAT_VALUE || !Arrays.equals(got, dims)) {
            throw new IllegalArgumentException("ONNX initializer " + name + " is " + Arrays.toString(got) + " of type "
                + t.getDataType() + "; the network's parameter is float " + Arrays.toString(dims));
        }
        int count = Math.toIntExact(Arrays.stream(dims).reduce(1, Math::multiplyExact));
        float[] values = new float[count];
        if (!t.getRawData().isEmpty()) {
            if (t.getRawData().size() != (long) count * Float.BYTES) {
                throw new IllegalArgumentException("ONNX initializer " + name + " holds " + t.getRawData().size()
                    + " bytes for " + count + " floats");
            }
            t.getRawData().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        } else if (t.getFloatDataCount() == count) {
            for (int i = 0; i < count; i++) {
                values[i] = t.getFloatData(i);
            }
        } else {
            throw new IllegalArgumentException("ONNX initializer " + name + " holds " + t.getFloatDataCount()
                + " floats, not " + count);
        }
        return values;
    }
}
