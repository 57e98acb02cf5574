package io.distillery.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.spec.DriftSignal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * JSON encoding of {@link FeedbackMessage}, readable in kcat. Format 1 is one object with
 * {@code "v": 1} and the record's fields by name; NaN is written as {@code null} (and read back as NaN),
 * drift signals as objects with {@code detector}, {@code signal}, {@code position}, {@code eventTimeMs}.
 * Stateless and thread-safe.
 */
public final class FeedbackCodec {
    /** The format this codec writes. */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private FeedbackCodec() {
    }

    public static byte[] encode(FeedbackMessage m) {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION);
        o.put("windowStartMs", m.windowStartMs());
        o.put("windowEndMs", m.windowEndMs());
        o.put("count", m.count());
        o.put("labeledCount", m.labeledCount());
        putOrNull(o, "meanKl", m.meanKl());
        putOrNull(o, "agreement", m.agreement());
        putOrNull(o, "studentAccuracy", m.studentAccuracy());
        putOrNull(o, "teacherAccuracy", m.teacherAccuracy());
        ArrayNode agreement = o.putArray("perClassAgreement");
        for (double a : m.perClassAgreement()) {
            if (Double.isNaN(a)) {
                agreement.addNull();
            } else {
                agreement.add(a);
            }
        }
        ArrayNode counts = o.putArray("perClassCount");
        for (long c : m.perClassCount()) {
            counts.add(c);
        }
        ArrayNode drifts = o.putArray("drifts");
        for (DriftSignal s : m.drifts()) {
            drifts.addObject().put("detector", s.detector()).put("signal", s.signal()).put("position", s.position())
                .put("eventTimeMs", s.eventTimeMs());
        }
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write feedback JSON", e);
        }
    }

    /** @throws IllegalArgumentException naming the version when it is not 1, or when the JSON is malformed */
    public static FeedbackMessage decode(byte[] bytes) {
        JsonNode o;
        try {
            o = JSON.readTree(bytes);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("feedback message is not JSON: " + e.getMessage(), e);
        }
        if (o == null || !o.isObject()) {
            throw new IllegalArgumentException("feedback message is not a JSON object: "
                + new String(bytes, StandardCharsets.UTF_8));
        }
        JsonNode v = o.get("v");
        if (v == null || !v.isInt() || v.intValue() != VERSION) {
            throw new IllegalArgumentException("unknown feedback message format version " + v);
        }
        JsonNode agreementNode = array(o, "perClassAgreement");
        double[] agreement = new double[agreementNode.size()];
        for (int i = 0; i < agreement.length; i++) {
            agreement[i] = numberOrNaN(agreementNode.get(i));
        }
        JsonNode countNode = array(o, "perClassCount");
        long[] counts = new long[countNode.size()];
        for (int i = 0; i < counts.length; i++) {
            counts[i] = countNode.get(i).asLong();
        }
        List<DriftSignal> drifts = new ArrayList<>();
        for (JsonNode d : array(o, "drifts")) {
            drifts.add(new DriftSignal(text(d, "detector"), text(d, "signal"), number(d, "position").asLong(),
                number(d, "eventTimeMs").asLong()));
        }
        return new FeedbackMessage(number(o, "windowStartMs").asLong(), number(o, "windowEndMs").asLong(),
            number(o, "count").asLong(), number(o, "labeledCount").asLong(), numberOrNaN(o.get("meanKl")),
            numberOrNaN(o.get("agreement")), numberOrNaN(o.get("studentAccuracy")), numberOrNaN(o.get("teacherAccuracy")),
            agreement, counts, drifts);
    }

    private static void putOrNull(ObjectNode o, String field, double value) {
        if (Double.isNaN(value)) {
            o.putNull(field);
        } else {
            o.put(field, value);
        }
    }

    private static double numberOrNaN(JsonNode n) {
        return n == null || n.isNull() ? Double.NaN : n.asDouble();
    }

    private static JsonNode number(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isNumber()) {
            throw new IllegalArgumentException("feedback field " + field + " must be a number, was " + n);
        }
        return n;
    }

    private static String text(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isTextual()) {
            throw new IllegalArgumentException("drift signal field " + field + " must be text, was " + n);
        }
        return n.textValue();
    }

    private static JsonNode array(JsonNode o, String field) {
        JsonNode n = o.get(field);
        if (n == null || !n.isArray()) {
            throw new IllegalArgumentException("feedback field " + field + " must be an array, was " + n);
        }
        return n;
    }
}
