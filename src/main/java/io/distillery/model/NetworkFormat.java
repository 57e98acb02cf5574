package io.distillery.model;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.Models;
import io.distillery.spec.NetworkSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * Bytes of a {@link Network}: DL4J's {@code ModelSerializer} zip, so DL4J tools can read the
 * weights, plus one entry {@value #ENTRY} (Java properties) with what DL4J does not keep: the
 * spec as given, teacher or student, and the step count.
 *
 * <p>Reading admits only the entries this class writes, before DL4J sees the bytes: DL4J's restore
 * reads a {@code preprocessor.bin} or {@code normalizer.bin} entry with Java deserialization, so a zip
 * carrying one is refused, whatever signed it. Every entry's inflated size is counted as it is read
 * and bounded by {@link #maxInflated} (weights hardly compress, so a zip bomb is refused early).
 */
final class NetworkFormat {

    static final String ENTRY = "distillery.properties";
    private static final String FORMAT = "1";
    /** What {@code ModelSerializer.writeModel} writes for our networks, with and without the updater. */
    private static final Set<String> DL4J_ENTRIES = Set.of("configuration.json", "coefficients.bin",
            "updaterState.bin");

    private NetworkFormat() {
    }

    static byte[] write(Network network, boolean withUpdater) {
        if (network.isEnsemble()) {
            return EnsembleFormat.write(network, withUpdater);
        }
        try {
            ByteArrayOutputStream dl4j = new ByteArrayOutputStream();
            ModelSerializer.writeModel(network.dl4j(), dl4j, withUpdater);
            ByteArrayOutputStream out = new ByteArrayOutputStream(dl4j.size() + 1024);
            try (ZipOutputStream zip = new ZipOutputStream(out);
                 ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(dl4j.toByteArray()))) {
                // Float weights hardly compress; a second full deflate would double the cost.
                zip.setLevel(Deflater.BEST_SPEED);
                for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                    zip.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(zip);
                    zip.closeEntry();
                }
                zip.putNextEntry(new ZipEntry(ENTRY));
                properties(network).store(zip, "Distillery network");
                zip.closeEntry();
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serialize " + network, e);
        }
    }

    static Network read(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("no network bytes");
        }
        if (EnsembleFormat.isEnsemble(bytes)) {
            return EnsembleFormat.read(bytes);
        }
        Properties props = checkedEntries(bytes);
        MultiLayerNetwork net;
        try {
            net = ModelSerializer.restoreMultiLayerNetwork(new ByteArrayInputStream(bytes), true);
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

    /** Checks every entry's name and inflated size; answers the {@value #ENTRY} properties. */
    private static Properties checkedEntries(byte[] bytes) {
        long budget = maxInflated(bytes.length);
        long inflated = 0;
        Properties props = null;
        byte[] buffer = new byte[64 * 1024];
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                String name = e.getName();
                if (ENTRY.equals(name)) {
                    ByteArrayOutputStream entry = new ByteArrayOutputStream();
                    inflated += copyBounded(in, entry, buffer, budget - inflated, name);
                    props = new Properties();
                    props.load(new ByteArrayInputStream(entry.toByteArray()));
                } else if (DL4J_ENTRIES.contains(name)) {
                    inflated += copyBounded(in, OutputStream.nullOutputStream(), buffer, budget - inflated, name);
                } else {
                    throw new IllegalArgumentException("unexpected zip entry " + quoted(name)
                            + ": a network holds only " + DL4J_ENTRIES + " and " + ENTRY);
                }
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("not a zip: " + e.getMessage(), e);
        }
        if (props == null) {
            throw new IllegalArgumentException("not a Distillery network: no " + ENTRY + " entry");
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
