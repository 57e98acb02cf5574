package io.distillery.model;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.Models;
import io.distillery.spec.NetworkSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Bytes of a {@link Network}: the zip that DL4J's {@code ModelSerializer} writes and reads ({@value #CONFIGURATION},
 * {@value #COEFFICIENTS}, {@value #UPDATER_STATE}, the arrays as {@code Nd4j.write} writes them), so DL4J tools can
 * read the weights, plus one entry {@value #ENTRY} (Java properties) with what DL4J does not keep: the spec as
 * given, teacher or student, and the step count.
 *
 * <p>Written by this class, not by {@code ModelSerializer}, and every entry stored, not deflated: float weights
 * and optimizer state deflate by about a tenth, and deflating them was nearly all of a write (59 ms for the
 * default student with its Adam state, 314 ms for the default teacher, against 1.5 and 7 ms stored) and
 * inflating them most of a read; a reader that skips the updater state (one that only predicts) had to inflate
 * it all the same, and now passes it by a copy ({@code bench/run io.distillery.model.NetworkBytesCost}). The
 * updater state of a network that has not trained yet is all zeros and is left out: a reader's new updater
 * starts from the same zeros. Zips written before, deflated, read as before.
 *
 * <p>Reading admits only the entries this class writes, before DL4J sees the bytes: DL4J's restore
 * reads a {@code preprocessor.bin} or {@code normalizer.bin} entry with Java deserialization, so a zip
 * carrying one is refused, whatever signed it. Every entry's inflated size is counted as it is read
 * and bounded by {@link #maxInflated} (weights hardly compress, so a zip bomb is refused early).
 *
 * <p>The network is then built from the entries read by that one pass, as DL4J's {@code ModelSerializer}
 * builds it (configuration, {@code MultiLayerNetwork.init} on the coefficients, the updater's state view), but
 * with the arrays read from memory through an unsynchronized stream: DL4J's own restore inflates the zip
 * again into growing buffers and reads each float through a synchronized {@code BufferedInputStream}, which
 * for a 784-128-10 student with its updater state took about 16 ms of CPU against about 5 ms this way.
 * A reader that only predicts may skip the updater state ({@code withUpdater} false).
 *
 * <p>A snapshot also carries the network as an ONNX graph, whose initializers are the same weights. Its network
 * bytes may leave the weights to that graph ({@link #writeWithoutWeights}): the zip then holds no {@value
 * #COEFFICIENTS} (nor updater state) and its {@value #ENTRY} says {@code weights=onnx}; the reader builds the
 * network from the configuration and copies the weights from the graph's initializers ({@link OnnxWeights}),
 * exactly. Such bytes are a few KB, so a snapshot carries its weights once, not twice, and a reader's network has
 * exactly the weights of the graph that came with it.
 */
final class NetworkFormat {

    static final String ENTRY = "distillery.properties";
    private static final String FORMAT = "1";
    /** The entries of {@code ModelSerializer.writeModel}'s zip for our networks, with and without the updater. */
    private static final String CONFIGURATION = "configuration.json";
    private static final String COEFFICIENTS = "coefficients.bin";
    private static final String UPDATER_STATE = "updaterState.bin";
    private static final Set<String> DL4J_ENTRIES = Set.of(CONFIGURATION, COEFFICIENTS, UPDATER_STATE);
    /** The {@value #ENTRY} key that says where the weights are, and its one value: in the ONNX graph. */
    private static final String WEIGHTS = "weights";
    private static final String WEIGHTS_IN_ONNX = "onnx";

    private NetworkFormat() {
    }

    static byte[] write(Network network, boolean withUpdater) {
        return write(network, withUpdater, true);
    }

    /** The configuration and properties alone, for bytes that travel with the network's ONNX graph. */
    static byte[] writeWithoutWeights(Network network) {
        return write(network, false, false);
    }

    static byte[] write(Network network, boolean withUpdater, boolean withWeights) {
        if (network.isEnsemble()) {
            return EnsembleFormat.write(network, withUpdater, withWeights);
        }
        try {
            MultiLayerNetwork net = network.dl4j();
            INDArray params = withWeights ? net.params() : null;
            INDArray state = withUpdater ? net.getUpdater().getStateViewArray() : null;
            long floats = (params == null ? 0 : params.length()) + (state == null ? 0 : state.length());
            ByteArrayOutputStream out = new ByteArrayOutputStream((int) Math.min(Integer.MAX_VALUE - 8,
                4 * floats + (64 << 10)));
            try (ZipOutputStream zip = new ZipOutputStream(out)) {
                String json = net.getLayerWiseConfigurations().toJson();
                putStored(zip, CONFIGURATION, json.getBytes(StandardCharsets.UTF_8));
                if (params != null) {
                    putStored(zip, COEFFICIENTS, arrayBytes(params));
                }
                // all zeros before the first step: a reader's new updater starts from the same zeros
                if (state != null && state.length() > 0 && state.amaxNumber().doubleValue() != 0) {
                    putStored(zip, UPDATER_STATE, arrayBytes(state));
                }
                ByteArrayOutputStream props = new ByteArrayOutputStream();
                Properties p = properties(network);
                if (params == null) {
                    p.setProperty(WEIGHTS, WEIGHTS_IN_ONNX);
                }
                p.store(props, "Distillery network");
                putStored(zip, ENTRY, props.toByteArray());
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + network, e);
        }
    }

    /**
     * One entry, stored, with its sizes and CRC in its local header: a reader passes it by a copy, where a
     * deflated one must be inflated to be passed.
     */
    private static void putStored(ZipOutputStream zip, String name, byte[] data) throws IOException {
        ZipEntry entry = new ZipEntry(name);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    /**
     * @param graph the weights of the ONNX graph the bytes travel with, for bytes that leave theirs to it
     */
    static Network read(byte[] bytes, boolean withUpdater, OnnxWeights graph) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("no network bytes");
        }
        if (EnsembleFormat.isEnsemble(bytes)) {
            return EnsembleFormat.read(bytes, withUpdater, graph);
        }
        Map<String, byte[]> entries = checkedEntries(bytes, withUpdater);
        Properties props = properties(entries);
        String weights = props.getProperty(WEIGHTS);
        if (weights != null && !WEIGHTS_IN_ONNX.equals(weights)) {
            throw new IllegalArgumentException("invalid " + ENTRY + ": weights=" + weights + ", this reader knows "
                + WEIGHTS + "=" + WEIGHTS_IN_ONNX);
        }
        if (weights != null && !graph.present()) {
            throw new IllegalArgumentException("the network's weights are in its ONNX graph, and there is none");
        }
        MultiLayerNetwork net;
        try {
            net = weights == null ? restore(entries) : build(entries, graph);
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException("cannot restore the DL4J network: " + e, e);
        }
        try {
            NetworkSpec spec = spec(props);
            DistillationSpec distillation = Models.STUDENT.equals(props.getProperty("role"))
                    ? new DistillationSpec(dbl(props, "temperature"), dbl(props, "alpha"))
                    : null;
            checkMatches(net, spec, distillation);
            return new Network(net, spec, distillation, Long.parseLong(required(props, "steps")));
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid " + ENTRY + ": " + e.getMessage(), e);
        }
    }

    /** What {@code ModelSerializer.restoreMultiLayerNetwork} does with the entries, reading arrays from memory. */
    private static MultiLayerNetwork restore(Map<String, byte[]> entries) throws IOException {
        byte[] json = entries.get(CONFIGURATION);
        byte[] coefficients = entries.get(COEFFICIENTS);
        if (json == null || coefficients == null) {
            throw new IOException("the zip lacks " + (json == null ? CONFIGURATION : COEFFICIENTS));
        }
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(new String(json, StandardCharsets.UTF_8));
        INDArray params = array(coefficients);
        conf.setDataType(params.dataType());
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(params, false);
        byte[] state = entries.get(UPDATER_STATE);
        if (state != null) {
            net.getUpdater().setStateViewArray(net, array(state), false);
        }
        return net;
    }

    /** The network of the configuration with the graph's weights, for bytes that carry no arrays of their own. */
    private static MultiLayerNetwork build(Map<String, byte[]> entries, OnnxWeights graph) throws IOException {
        byte[] json = entries.get(CONFIGURATION);
        if (json == null) {
            throw new IOException("the zip lacks " + CONFIGURATION);
        }
        if (entries.containsKey(COEFFICIENTS) || entries.containsKey(UPDATER_STATE)) {
            throw new IOException("the zip holds arrays although its weights are said to be in the ONNX graph");
        }
        MultiLayerConfiguration conf = MultiLayerConfiguration.fromJson(new String(json, StandardCharsets.UTF_8));
        conf.setDataType(DataType.FLOAT);
        long count = 0;
        for (NeuralNetConfiguration layer : conf.getConfs()) {
            count += layer.getLayer().initializer().numParams(layer);
        }
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init(Nd4j.create(graph.params(conf, count), new long[] {1, count}, 'c'), false);
        return net;
    }

    /** An array as {@code Nd4j.write} writes it, into memory without locks (it takes each float as four writes). */
    private static byte[] arrayBytes(INDArray array) throws IOException {
        ArrayOutput bytes = new ArrayOutput((int) Math.min(Integer.MAX_VALUE - 8, 4 * array.length() + 1024));
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            Nd4j.write(array, out);
        }
        return bytes.toByteArray();
    }

    private static INDArray array(byte[] bytes) throws IOException {
        try (DataInputStream in = new DataInputStream(new ArrayStream(bytes))) {
            return Nd4j.read(in);
        }
    }

    /** A {@code ByteArrayInputStream} without its locks: {@code Nd4j.read} takes each float as four reads. */
    private static final class ArrayStream extends InputStream {
        private final byte[] bytes;
        private int position;

        ArrayStream(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return position < bytes.length ? bytes[position++] & 0xff : -1;
        }

        @Override
        public int read(byte[] into, int offset, int length) {
            if (length == 0) {
                return 0;
            }
            if (position >= bytes.length) {
                return -1;
            }
            int n = Math.min(length, bytes.length - position);
            System.arraycopy(bytes, position, into, offset, n);
            position += n;
            return n;
        }
    }

    /** A {@code ByteArrayOutputStream} without its locks, for {@link #arrayBytes}. */
    private static final class ArrayOutput extends OutputStream {
        private byte[] bytes;
        private int size;

        ArrayOutput(int capacity) {
            this.bytes = new byte[capacity];
        }

        @Override
        public void write(int b) {
            if (size == bytes.length) {
                bytes = Arrays.copyOf(bytes, Math.max(16, 2 * size));
            }
            bytes[size++] = (byte) b;
        }

        @Override
        public void write(byte[] from, int offset, int length) {
            if (bytes.length - size < length) {
                bytes = Arrays.copyOf(bytes, Math.max(2 * bytes.length, size + length));
            }
            System.arraycopy(from, offset, bytes, size, length);
            size += length;
        }

        byte[] toByteArray() {
            return size == bytes.length ? bytes : Arrays.copyOf(bytes, size);
        }
    }

    private static Properties properties(Network network) {
        NetworkSpec spec = network.spec();
        Properties p = new Properties();
        p.setProperty("format", FORMAT);
        p.setProperty("role", network.isStudent() ? Models.STUDENT : Models.TEACHER);
        p.setProperty("inputs", Integer.toString(spec.inputs()));
        p.setProperty("hidden", String.join(",", spec.hidden().stream().map(String::valueOf).toList()));
        p.setProperty("outputs", Integer.toString(spec.outputs()));
        p.setProperty("activation", spec.activation());
        p.setProperty("updater", spec.updater());
        p.setProperty("learningRate", Double.toString(spec.learningRate()));
        p.setProperty("seed", Long.toString(spec.seed()));
        p.setProperty("steps", Long.toString(network.steps()));
        network.distillation().ifPresent(d -> {
            p.setProperty("temperature", Double.toString(d.temperature()));
            p.setProperty("alpha", Double.toString(d.alpha()));
        });
        return p;
    }

    /**
     * The largest inflated size of all entries together for a zip of {@code compressed} bytes: four times
     * its size plus 1 MiB (float weights deflate by a few percent; the JSON configuration, which deflates
     * well, is small).
     */
    static long maxInflated(int compressed) {
        return 4L * compressed + (1 << 20);
    }

    /**
     * Checks every entry's name and inflated size; answers the entries inflated, the updater state only when
     * {@code withUpdater} (else only counted).
     */
    private static Map<String, byte[]> checkedEntries(byte[] bytes, boolean withUpdater) {
        long budget = maxInflated(bytes.length);
        long inflated = 0;
        Map<String, byte[]> entries = new HashMap<>();
        byte[] buffer = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                if (!ENTRY.equals(name) && !DL4J_ENTRIES.contains(name)) {
                    throw new IllegalArgumentException("unexpected zip entry " + quoted(name)
                            + ": a network holds only " + DL4J_ENTRIES + " and " + ENTRY);
                }
                if (UPDATER_STATE.equals(name) && !withUpdater) {
                    inflated += copyBounded(in, OutputStream.nullOutputStream(), buffer, budget - inflated, name);
                } else {
                    ByteArrayOutputStream entry = new ByteArrayOutputStream(e.getSize() > 0
                            ? (int) Math.min(e.getSize(), budget - inflated) : 8192);
                    inflated += copyBounded(in, entry, buffer, budget - inflated, name);
                    entries.put(name, entry.toByteArray());
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a zip: " + e.getMessage(), e);
        }
        return entries;
    }

    /** The {@value #ENTRY} properties, checked for this reader's format. */
    private static Properties properties(Map<String, byte[]> entries) {
        byte[] entry = entries.get(ENTRY);
        if (entry == null) {
            throw new IllegalArgumentException("not a Distillery network: no " + ENTRY + " entry");
        }
        Properties props = new Properties();
        try {
            props.load(new ByteArrayInputStream(entry));
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("unreadable " + ENTRY + ": " + e.getMessage(), e);
        }
        if (!FORMAT.equals(props.getProperty("format"))) {
            throw new IllegalArgumentException("unknown network format "
                    + props.getProperty("format") + ", this reader knows " + FORMAT);
        }
        return props;
    }

    /** Copies one entry, failing as soon as it inflates past what is left of the budget. */
    static long copyBounded(ZipInputStream in, OutputStream out, byte[] buffer, long left, String name)
            throws IOException {
        long n = 0;
        for (int r = in.read(buffer); r > 0; r = in.read(buffer)) {
            n += r;
            if (n > left) {
                throw new IllegalArgumentException("zip entry " + quoted(name) + " inflates past the bound of "
                        + "all entries (" + maxInflated(0) + " bytes plus four times the zip's size)");
            }
            out.write(buffer, 0, r);
        }
        return n;
    }

    static String quoted(String name) {
        return "'" + (name.length() > 64 ? name.substring(0, 64) + "..." : name) + "'";
    }

    private static NetworkSpec spec(Properties p) {
        String hidden = p.getProperty("hidden", "");
        List<Integer> widths = hidden.isEmpty() ? List.of()
                : Arrays.stream(hidden.split(",")).map(Integer::valueOf).toList();
        return new NetworkSpec(Integer.parseInt(required(p, "inputs")), widths,
                Integer.parseInt(required(p, "outputs")), required(p, "activation"),
                required(p, "updater"), dbl(p, "learningRate"), Long.parseLong(required(p, "seed")));
    }

    private static void checkMatches(MultiLayerNetwork net, NetworkSpec spec, DistillationSpec d) {
        int layers = net.getnLayers();
        long nIn = net.layerInputSize(0);
        long nOut = net.layerSize(layers - 1);
        if (layers != spec.hidden().size() + 1 || nIn != spec.inputs() || nOut != spec.outputs()) {
            throw new IllegalArgumentException("network has " + layers + " layers, " + nIn
                    + " inputs, " + nOut + " outputs; the entry says " + spec.describe());
        }
        Object loss = ((BaseOutputLayer) net.getOutputLayer().conf().getLayer()).getLossFn();
        Object expected = d == null ? DistillationLoss.hardOnly() : DistillationLoss.of(d);
        if (!expected.equals(loss)) {
            throw new IllegalArgumentException("output loss is " + loss + ", expected " + expected);
        }
    }

    private static double dbl(Properties p, String key) {
        return Double.parseDouble(required(p, key));
    }

    private static String required(Properties p, String key) {
        String value = p.getProperty(key);
        if (value == null) {
            throw new IllegalArgumentException("missing key " + key);
        }
        return value;
    }
}
