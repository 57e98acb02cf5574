package io.distillery.testing;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The drift reference vectors made with MOA (src/test/resources/drift): value streams and the indices at which
 * MOA's detectors fired.
 */
public final class DriftVectors {
    public static final List<String> STREAMS = List.of("stationary-s1", "stationary-s2", "abrupt-s1",
        "abrupt-s2", "gradual-s1", "gradual-s2", "divergence-s1", "divergence-s2");

    private DriftVectors() {
    }

    /** The values of one stream, index 0 first. */
    public static double[] values(String stream) {
        return lines("drift/" + stream + ".csv").stream().skip(1).mapToDouble(Double::parseDouble).toArray();
    }

    /** MOA's detection indices for a stream and a detector ("ADWIN" or "PageHinkley"). */
    public static List<Long> moaDetections(String stream, String detector) {
        for (String line : lines("drift/detections.csv")) {
            String[] f = line.split(",", -1);
            if (f[0].equals(stream) && f[1].equals(detector)) {
                return f[3].isBlank() ? List.of()
                    : Arrays.stream(f[3].trim().split(" ")).map(Long::valueOf).toList();
            }
        }
        throw new IllegalArgumentException("no reference detections for " + stream + "/" + detector);
    }

    private static List<String> lines(String resource) {
        try (InputStream in = DriftVectors.class.getClassLoader().getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("missing test resource " + resource);
            }
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            List<String> out = new ArrayList<>();
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                if (!l.isBlank()) {
                    out.add(l);
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
