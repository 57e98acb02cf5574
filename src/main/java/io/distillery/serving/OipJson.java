package io.distillery.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.model.LogitMath;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/** JSON bodies of the Open Inference Protocol v2 answers: infer results, metadata, errors. */
final class OipJson {
    static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFactory JSON = MAPPER.getFactory();

    private OipJson() {
    }

    /**
     * The infer response: logits, softmax probabilities (T = 1) and the predicted class of each row.
     *
     * @param outputs names to include, empty for all
     */
    static byte[] inferResponse(String model, long version, String id, float[][] logits, List<String> outputs) {
        int n = logits.length;
        int classes = n == 0 ? 0 : logits[0].length;
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + n * classes * 24);
        try (JsonGenerator g = JSON.createGenerator(bytes)) {
            g.writeStartObject();
            g.writeStringField("model_name", model);
            g.writeStringField("model_version", Long.toString(version));
            if (id != null) {
                g.writeStringField("id", id);
            }
            g.writeArrayFieldStart("outputs");
            if (wants(outputs, "logits")) {
                matrix(g, "logits", logits);
            }
            if (wants(outputs, "probabilities")) {
                tensorHeader(g, "probabilities", "FP32", n, classes);
                for (float[] row : logits) {
                    for (double p : LogitMath.softmax(row, 1.0)) {
                        g.writeNumber((float) p);
                    }
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            if (wants(outputs, "predicted_class")) {
                tensorHeader(g, "predicted_class", "INT64", n);
                for (float[] row : logits) {
                    g.writeNumber(LogitMath.argmax(row));
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
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

    private static void matrix(JsonGenerator g, String name, float[][] rows) throws IOException {
        tensorHeader(g, name, "FP32", rows.length, rows.length == 0 ? 0 : rows[0].length);
        for (float[] row : rows) {
            for (float v : row) {
                g.writeNumber(v);
            }
        }
        g.writeEndArray();
        g.writeEndObject();
    }

    /** Writes a tensor's name, datatype and shape, and opens its data array. */
    private static void tensorHeader(JsonGenerator g, String name, String datatype, int... shape)
            throws IOException {
        g.writeStartObject();
        g.writeStringField("name", name);
        g.writeStringField("datatype", datatype);
        g.writeArrayFieldStart("shape");
        for (int d : shape) {
            g.writeNumber(d);
        }
        g.writeEndArray();
        g.writeArrayFieldStart("data");
    }
}
