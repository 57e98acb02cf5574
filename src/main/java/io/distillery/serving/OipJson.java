package io.distillery.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.model.LogitMath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** JSON bodies of the Open Inference Protocol v2 answers: infer results, metadata, errors. */
final class OipJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    // Schubfach instead of Float.toString: measured 2-3x cheaper per float (docs/serving-benchmark.md)
    private static final JsonFactory JSON = JsonFactory.builder().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .build();

    private OipJson() {
    }

    /** An encoded infer response: the JSON and the binary tensor data after it (empty when all is JSON). */
    record Response(byte[] json, byte[] binary) {
    }

    /** The infer response, all in JSON. */
    static byte[] inferResponse(String model, long version, String id, float[][] logits, List<String> outputs) {
        return inferResponse(model, version, id, logits, outputs, Set.of()).json();
    }

    /**
     * The infer response: logits, softmax probabilities (T = 1) and the predicted class of each row.
     *
     * @param outputs names to include, empty for all
     * @param binary outputs to send as binary data after the JSON ({@code "*"}: all); little-endian FP32, INT64
     */
    static Response inferResponse(String model, long version, String id, float[][] logits, List<String> outputs,
                                  Set<String> binary) {
        int n = logits.length;
        int classes = n == 0 ? 0 : logits[0].length;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + n * classes * 24);
        ByteBuffer raw = ByteBuffer.allocate(binary.isEmpty() ? 0 : n * classes * 8 + n * 8).order(ByteOrder.LITTLE_ENDIAN);
        float[][] probabilities = wants(outputs, "probabilities") ? probabilities(logits) : null;
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", Long.toString(version));
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("outputs");
            if (wants(outputs, "logits")) {
                matrix(g, "logits", logits, binary(binary, "logits") ? raw : null);
            }
            if (probabilities != null) {
                matrix(g, "probabilities", probabilities, binary(binary, "probabilities") ? raw : null);
            }
            if (wants(outputs, "predicted_class")) {
                boolean asBinary = binary(binary, "predicted_class");
                tensorHeader(g, "predicted_class", "INT64", asBinary ? n * Long.BYTES : -1, n);
                for (float[] row : logits) {
                    if (asBinary) {
                        raw.putLong(LogitMath.argmax(row));
                    } else {
                        g.writeNumber(LogitMath.argmax(row));
                    }
                }
                endTensor(g, asBinary);
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Response(bytes.toByteArray(), Arrays.copyOf(raw.array(), raw.position()));
    }

    private static boolean binary(Set<String> binary, String name) {
        return binary.contains("*") || binary.contains(name);
    }

    private static float[][] probabilities(float[][] logits) {
        float[][] out = new float[logits.length][];
        for (int i = 0; i < logits.length; i++) {
            double[] p = LogitMath.softmax(logits[i], 1.0);
            out[i] = new float[p.length];
            for (int j = 0; j < p.length; j++) {
                out[i][j] = (float) p[j];
            }
        }
        return out;
    }

    static byte[] error(String message) {
        return object(Map.of("error", message));
    }

    static byte[] object(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static boolean wants(List<String> outputs, String name) {
        return outputs.isEmpty() || outputs.contains(name);
    }

    /** An FP32 matrix in JSON, or, with {@code raw}, as binary data appended there. */
    private static void matrix(JsonGenerator g, String name, float[][] rows, ByteBuffer raw) throws IOException {
        int width = rows.length == 0 ? 0 : rows[0].length;
        tensorHeader(g, name, "FP32", raw == null ? -1 : rows.length * width * Float.BYTES, rows.length, width);
        if (raw != null) {
            BinaryTensors.putFloats(raw, rows);
        } else {
            for (float[] row : rows) {
                for (float v : row) {
                    g.writeNumber(v);
                }
            }
        }
        endTensor(g, raw != null);
    }

    private static void endTensor(JsonGenerator g, boolean binary) throws IOException {
        if (!binary) {
            g.writeEndArray();
        }
        g.writeEndObject();
    }

    /**
     * Writes a tensor's name, datatype and shape; then opens its data array, or, for binary data
     * ({@code binarySize >= 0}), writes its {@code binary_data_size} parameter instead.
     */
    private static void tensorHeader(JsonGenerator g, String name, String datatype, int binarySize, int... shape)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", datatype);
        g.writeArrayFieldStart("shape");
        for (int d : shape) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        if (binarySize >= 0) {
            g.writeObjectFieldStart("parameters");
            g.writeNumberField("binary_data_size", binarySize);
            g.writeEndObject();
        } else {
            g.writeArrayFieldStart("data");
        }
    }
}
