package io.distillery.records;

/**
 * The common shape of an input record, read without a JSON library: an object whose {@code "id"} is a plain
 * ASCII string, {@code "ts"} an integer, {@code "label"} an integer or {@code null}, {@code "features"} an array
 * of numbers, and whose other fields have scalar values, with JSON whitespace between tokens.
 *
 * <p>Anything else answers {@code null} and the caller decodes with Jackson, which names the fault: an escape
 * or a byte above 127 in a string, a nested unknown field, a field given twice, NaN and Infinity tokens, a
 * number {@link JsonCursor} leaves to Jackson, a malformed token, trailing content. So this never decides
 * that a record is malformed, and every value it reads is the one Jackson reads. Decoding a 784-feature record
 * this way took 0.55-0.65 of the time Jackson's streaming parser takes ({@code bench/run
 * io.distillery.records.DecodeCost}). {@link #scan} is thread-safe: one cursor per payload.
 */
final class InputScanner {
    private InputScanner() {
    }

    /**
     * The fields of {@code payload}, or {@code null} when it is not of the common shape.
     *
     * @param features how many features a record has (more are counted, not kept)
     * @param classes labels are in [0, classes)
     */
    static InputCodec.Fields scan(byte[] payload, int features, int classes) {
        JsonCursor c = new JsonCursor(payload, payload.length);
        InputCodec.Fields f = new InputCodec.Fields();
        boolean[] seen = new boolean[2]; // ts, label: a field given twice is Jackson's to read
        boolean read = c.object(name -> switch (name) {
            case "id" -> f.id == null && (f.id = c.plainString()) != null;
            case "ts" -> !seen[0] && (seen[0] = ts(c, f));
            case "label" -> !seen[1] && (seen[1] = label(c, f, classes));
            case "features" -> f.features == null && features(c, f, features);
            default -> c.scalar();
        });
        return read && c.atEnd() ? f : null;
    }

    private static boolean ts(JsonCursor c, InputCodec.Fields f) {
        if (!c.number() || !c.integer()) {
            return false;
        }
        f.ts = c.longValue();
        return true;
    }

    private static boolean label(JsonCursor c, InputCodec.Fields f, int classes) {
        if (c.literal("null")) {
            return true;
        }
        if (!c.number() || !c.integer()) {
            return false;
        }
        long l = c.longValue();
        if (l < 0 || l >= classes) {
            f.badLabel = Long.toString(l);
        } else {
            f.label = (int) l;
        }
        return true;
    }

    private static boolean features(JsonCursor c, InputCodec.Fields f, int features) {
        if (!c.take('[')) {
            return false;
        }
        float[] values = new float[features];
        int count = 0;
        if (!c.take(']')) {
            do {
                float v = c.floatNumber();
                if (Float.isNaN(v)) {
                    return false;
                }
                if (count < values.length) {
                    values[count] = v;
                }
                count++;
            } while (c.take(','));
            if (!c.take(']')) {
                return false;
            }
        }
        f.features = values;
        f.featureCount = count;
        return true;
    }
}
