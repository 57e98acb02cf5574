package io.distillery.serving;

import java.util.Map;

/**
 * One HTTP answer: status, content type and body. Immutable by convention (the body array is not copied).
 *
 * @param headers extra response headers, set when the answer is sent
 */
record Answer(int status, String type, byte[] body, Map<String, String> headers) {
    static final String JSON = "application/json";
    static final String OCTETS = "application/octet-stream";

    Answer(int status, String type, byte[] body) {
        this(status, type, body, Map.of());
    }

    /** A JSON answer; {@code value} is encoded unless it already is bytes. */
    static Answer json(int status, Object value) {
        return new Answer(status, JSON, value instanceof byte[] b ? b : OipJson.object(value));
    }

    /** The OIP error body {@code {"error": message}}. */
    static Answer error(int status, String message) {
        return json(status, OipJson.error(message));
    }

    /** A readiness answer: 200 {@code {"ready": true}} or 503 {@code {"ready": false}}. */
    static Answer ready(boolean ready) {
        return json(ready ? 200 : 503, Map.of("ready", ready));
    }
}
