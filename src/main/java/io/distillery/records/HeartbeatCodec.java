package io.distillery.records;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON encoding of {@link Heartbeat}, readable in kcat: one object with {@code "v": 1} and the
 * record's fields by name, maps as objects. Stateless and thread-safe.
 */
public final class HeartbeatCodec {
    /** The format this codec writes. */
    public static final int VERSION = 1;
    private static final ObjectMapper JSON = new ObjectMapper();

    private HeartbeatCodec() {
    }

    public static byte[] encode(Heartbeat h) {
        ObjectNode o = JSON.createObjectNode();
        o.put("v", VERSION);
        o.put("role", h.role());
        o.put("instance", h.instance());
        o.put("timeMs", h.timeMs());
        o.put("intervalMs", h.intervalMs());
        o.put("healthy", h.healthy());
        ObjectNode parts = o.putObject("parts");
        new TreeMap<>(h.parts()).forEach(parts::put);
        ObjectNode versions = o.putObject("versions");
        new TreeMap<>(h.versions()).forEach(versions::put);
        o.put("lag", h.lag());
        ObjectNode state = o.putObject("state");
        new TreeMap<>(h.state()).forEach(state::put);
        o.put("snapshotFormat", h.snapshotFormat());
        try {
            return JSON.writeValueAsBytes(o);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write heartbeat JSON", e);
        }
    }

    /** @throws IllegalArgumentException when the bytes are not a heartbeat of a known format */
    public static Heartbeat decode(byte[] bytes) {
        JsonNode o;
        try {
            o = JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException("heartbeat is not JSON: " + e.getMessage(), e);
        }
        if (o == null || !o.isObject() || o.path("v").asInt(-1) != VERSION) {
            throw new IllegalArgumentException("not a heartbeat of format " + VERSION);
        }
        if (!o.path("role").isTextual() || !o.path("instance").isTextual() || !o.path("timeMs").canConvertToLong()) {
            throw new IllegalArgumentException("heartbeat lacks role, instance or timeMs");
        }
        Map<String, String> parts = new LinkedHashMap<>();
        o.path("parts").fields().forEachRemaining(e -> parts.put(e.getKey(), e.getValue().asText()));
        Map<String, Long> versions = new LinkedHashMap<>();
        o.path("versions").fields().forEachRemaining(e -> versions.put(e.getKey(), e.getValue().asLong()));
        Map<String, Double> state = new LinkedHashMap<>();
        o.path("state").fields().forEachRemaining(e -> state.put(e.getKey(), e.getValue().asDouble()));
        return new Heartbeat(o.get("role").asText(), o.get("instance").asText(), o.get("timeMs").asLong(),
            o.path("intervalMs").asLong(0), o.path("healthy").asBoolean(false), parts, versions,
            o.path("lag").asLong(-1), state, o.path("snapshotFormat").asInt(0));
    }
}
