package io.distillery.records;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import io.distillery.config.DataSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Clock;

/**
 * Encodes input records as the JSON of DESIGN.md and decodes them with validation.
 *
 * <pre>{"id": "r-000123", "ts": 1732280000000, "features": [0.0, 0.12], "label": 3}</pre>
 *
 * <p>Decoding never throws on bad input: it answers {@link Decoded} with a {@link RejectReason} for an
 * oversized payload, malformed JSON, a missing id, a wrong feature count, a non-finite value (NaN and
 * Infinity are read so they can be named), a label outside [0, classes), or an event time outside the
 * {@link EventTimeBound} ({@code data.max.future.ms} ahead of the clock at most). Unknown fields are
 * ignored, so producers may add their own. Every record of the service passes here, so records of the
 * common shape are read by {@link InputScanner} without a JSON library, to the same values; the rest
 * (and every malformed payload) by Jackson's streaming parser (no tree), which names the fault. Thread-safe.
 */
public final class InputCodec {
    // NaN and Infinity are read and written as bare tokens, so they are named as non-finite, not malformed.
    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
        .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
        .disable(JsonWriteFeature.WRITE_NAN_AS_STRINGS).build();

    private final DataSettings data;
    private final EventTimeBound eventTime;

    /** A codec that bounds event times by the system clock. */
    public InputCodec(DataSettings data) {
        this(data, Clock.systemUTC());
    }

    /** @param clock the clock event times are bounded by */
    public InputCodec(DataSettings data, Clock clock) {
        this.data = data;
        this.eventTime = new EventTimeBound(data.maxFutureMs(), clock);
    }

    public DataSettings data() {
        return data;
    }

    public byte[] encode(InputRecord r) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(32 + r.features().length * 10);
        try (JsonGenerator g = JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringField("id", r.id());
            g.writeNumberField("ts", r.ts());
            g.writeArrayFieldStart("features");
            for (float f : r.features()) {
                g.writeNumber(f);
            }
            g.writeEndArray();
            if (r.labeled()) {
                g.writeNumberField("label", r.label());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** Decodes and validates one payload; {@code null} is malformed. */
    public Decoded decode(byte[] payload) {
        if (payload == null || payload.length == 0) {
            return Decoded.rejected(RejectReason.MALFORMED_JSON, "empty payload");
        }
        if (payload.length > data.maxRecordBytes()) {
            return Decoded.rejected(RejectReason.OVERSIZED,
                payload.length + " bytes > data.max.record.bytes=" + data.maxRecordBytes());
        }
        Fields f = InputScanner.scan(payload, data.features(), data.classes());
        return f != null ? validate(f) : decodeWithJackson(payload);
    }

    /** {@link #decode} by Jackson's streaming parser alone: the reference the fast path is tested against. */
    Decoded decodeWithJackson(byte[] payload) {
        try (JsonParser p = JSON.createParser(payload)) {
            return parse(p);
        } catch (IOException | RuntimeException e) {
            return Decoded.rejected(RejectReason.MALFORMED_JSON, firstLine(e.getMessage()));
        }
    }

    /** The fields of one record as read, before validation. */
    static final class Fields {
        String id;
        long ts;
        float[] features;
        int featureCount = -1;
        int label = InputRecord.NO_LABEL;
        String badLabel;
        /** Index of the first non-finite feature, or -1. */
        int nonFinite = -1;
    }

    /** The record read and validated, or the rejection of a malformed payload. */
    private Decoded parse(JsonParser p) throws IOException {
        if (p.nextToken() != JsonToken.START_OBJECT) {
            return Decoded.rejected(RejectReason.MALFORMED_JSON, "not a JSON object");
        }
        Fields r = new Fields();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken t = p.nextToken();
            switch (field) {
                case "id" -> r.id = t == JsonToken.VALUE_STRING || t == JsonToken.VALUE_NUMBER_INT ? p.getText() : null;
                case "ts" -> r.ts = t.isNumeric() ? p.getLongValue() : 0;
                case "label" -> {
                    if (t == JsonToken.VALUE_NUMBER_INT) {
                        long l = p.getLongValue();
                        if (l < 0 || l >= data.classes()) {
                            r.badLabel = Long.toString(l);
                        } else {
                            r.label = (int) l;
                        }
                    } else if (t != JsonToken.VALUE_NULL) {
                        r.badLabel = p.getText();
                    }
                }
                case "features" -> {
                    if (t != JsonToken.START_ARRAY) {
                        return Decoded.rejected(RejectReason.MALFORMED_JSON, "features is not an array");
                    }
                    r.features = new float[data.features()];
                    r.featureCount = 0;
                    for (JsonToken v = p.nextToken(); v != JsonToken.END_ARRAY; v = p.nextToken()) {
                        if (!v.isNumeric()) {
                            return Decoded.rejected(RejectReason.MALFORMED_JSON,
                                "features[" + r.featureCount + "] is not a number");
                        }
                        float f = p.getFloatValue();
                        if (!Float.isFinite(f) && r.nonFinite < 0) {
                            r.nonFinite = r.featureCount;
                        }
                        if (r.featureCount < r.features.length) {
                            r.features[r.featureCount] = f;
                        }
                        r.featureCount++;
                    }
                }
                default -> p.skipChildren();
            }
        }
        if (p.currentToken() != JsonToken.END_OBJECT || p.nextToken() != null) {
            return Decoded.rejected(RejectReason.MALFORMED_JSON, "trailing content after the object");
        }
        return validate(r);
    }

    private Decoded validate(Fields r) {
        if (r.id == null || r.id.isBlank()) {
            return Decoded.rejected(RejectReason.MISSING_ID, "no id");
        }
        if (r.featureCount != data.features()) {
            return Decoded.rejected(RejectReason.FEATURE_COUNT,
                (r.featureCount < 0 ? "no" : r.featureCount) + " features, expected " + data.features());
        }
        if (r.nonFinite >= 0) {
            return Decoded.rejected(RejectReason.NON_FINITE, "features[" + r.nonFinite + "] is not finite");
        }
        if (r.badLabel != null) {
            return Decoded.rejected(RejectReason.LABEL_OUT_OF_RANGE,
                "label " + r.badLabel + " not in [0, " + data.classes() + ")");
        }
        Rejected time = eventTime.check(r.ts);
        if (time != null) {
            return Decoded.rejected(time.reason(), time.detail());
        }
        return Decoded.ok(new InputRecord(r.id, r.ts, r.features, r.label));
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "unparseable";
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }
}
