package io.distillery.records;

import java.nio.charset.StandardCharsets;

/**
 * The common shape of an input record, read without a JSON library: an object whose {@code "id"} is a plain
 * ASCII string, {@code "ts"} an integer, {@code "label"} an integer or {@code null}, {@code "features"} an array
 * of numbers, and whose other fields have scalar values, with JSON whitespace between tokens.
 *
 * <p>Anything else answers {@code null} and the caller decodes with Jackson, which names the fault: an escape
 * or a byte above 127 in a string, a nested unknown field, a field given twice, NaN and Infinity tokens, a
 * number of more than 18 significant digits or outside float's normal range, a malformed token, trailing
 * content. So this never decides that a record is malformed, and every value it reads is the one Jackson
 * reads: integers convert from a long, as Jackson's {@code getFloatValue} does; a decimal is rounded once
 * to the nearest float (Clinger's fast path: a mantissa below 2^53 and a power of ten up to 10^22 are exact
 * doubles, so one multiplication or division gives the correctly rounded double, and narrowing it to float
 * is then correct unless the double lies exactly halfway between two floats: such a record goes to Jackson).
 * Decoding a 784-feature record this way took 0.55-0.65 of the time Jackson's streaming parser takes
 * ({@code bench/run io.distillery.records.DecodeCost}). {@link #scan} is thread-safe: one instance per payload.
 */
final class InputScanner {
    /** Longest number token read here (Jackson's own limit is 1,000 characters). */
    private static final int MAX_NUMBER_CHARS = 64;
    private static final long EXACT_DOUBLE_MANTISSA = 1L << 53;
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    /** The double's 29 fraction bits below float's 23: exactly this pattern is a midpoint between two floats. */
    private static final long BELOW_FLOAT_BITS = (1L << 29) - 1;
    private static final long FLOAT_MIDPOINT = 1L << 28;
    private static final byte[] ID = ascii("id");
    private static final byte[] TS = ascii("ts");
    private static final byte[] LABEL = ascii("label");
    private static final byte[] FEATURES = ascii("features");

    private final byte[] b;
    private final int features;
    private final int classes;
    private int i;
    // the last number token read
    private boolean negative;
    private long mantissa;
    private int exponent;
    private boolean integer;

    private InputScanner(byte[] payload, int features, int classes) {
        this.b = payload;
        this.features = features;
        this.classes = classes;
    }

    /**
     * The fields of {@code payload}, or {@code null} when it is not of the common shape.
     *
     * @param features how many features a record has (more are counted, not kept)
     * @param classes labels are in [0, classes)
     */
    static InputCodec.Fields scan(byte[] payload, int features, int classes) {
        return new InputScanner(payload, features, classes).object();
    }

    private InputCodec.Fields object() {
        InputCodec.Fields f = new InputCodec.Fields();
        if (!skipTo('{')) {
            return null;
        }
        i++;
        if (!skipSpace()) {
            return null;
        }
        if (b[i] == '}') {
            i++;
            return end(f);
        }
        boolean seenId = false;
        boolean seenTs = false;
        boolean seenLabel = false;
        while (true) {
            int nameStart = i + 1;
            if (b[i] != '"' || !plainString()) {
                return null;
            }
            int nameEnd = i - 1;
            if (!skipTo(':')) {
                return null;
            }
            i++;
            if (!skipSpace()) {
                return null;
            }
            boolean read;
            if (named(nameStart, nameEnd, ID)) {
                read = !seenId && id(f);
                seenId = true;
            } else if (named(nameStart, nameEnd, TS)) {
                read = !seenTs && number() && integer;
                f.ts = negative ? -mantissa : mantissa;
                seenTs = true;
            } else if (named(nameStart, nameEnd, LABEL)) {
                read = !seenLabel && label(f);
                seenLabel = true;
            } else if (named(nameStart, nameEnd, FEATURES)) {
                read = f.features == null && features(f);
            } else {
                read = scalar();
            }
            if (!read || !skipSpace()) {
                return null;
            }
            byte c = b[i++];
            if (c == '}') {
                return end(f);
            }
            if (c != ',' || !skipSpace()) {
                return null;
            }
        }
    }

    /** The fields, if only whitespace follows the object. */
    private InputCodec.Fields end(InputCodec.Fields f) {
        while (i < b.length && isSpace(b[i])) {
            i++;
        }
        return i == b.length ? f : null;
    }

    private boolean id(InputCodec.Fields f) {
        int start = i + 1;
        if (b[i] != '"' || !plainString()) {
            return false;
        }
        f.id = new String(b, start, i - 1 - start, StandardCharsets.US_ASCII);
        return true;
    }

    private boolean label(InputCodec.Fields f) {
        if (literal("null")) {
            return true;
        }
        if (!number() || !integer) {
            return false;
        }
        long l = negative ? -mantissa : mantissa;
        if (l < 0 || l >= classes) {
            f.badLabel = Long.toString(l);
        } else {
            f.label = (int) l;
        }
        return true;
    }

    private boolean features(InputCodec.Fields f) {
        if (b[i] != '[') {
            return false;
        }
        i++;
        float[] values = new float[features];
        int count = 0;
        if (!skipSpace()) {
            return false;
        }
        if (b[i] == ']') {
            i++;
        } else {
            while (true) {
                if (!number()) {
                    return false;
                }
                float v = value();
                if (Float.isNaN(v)) {
                    return false;
                }
                if (count < values.length) {
                    values[count] = v;
                }
                count++;
                if (!skipSpace()) {
                    return false;
                }
                byte c = b[i++];
                if (c == ']') {
                    break;
                }
                if (c != ',' || !skipSpace()) {
                    return false;
                }
            }
        }
        f.features = values;
        f.featureCount = count;
        return true;
    }

    /** An unknown field's value: a plain string, a number, {@code true}, {@code false} or {@code null}. */
    private boolean scalar() {
        byte c = b[i];
        if (c == '"') {
            return plainString();
        }
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        return literal("true") || literal("false") || literal("null");
    }

    /**
     * Reads the number token at {@code i} into the last-number fields: sign, up to 18 significant digits and
     * the power of ten; false if it is not a JSON number or has more digits. (Locals in the loops, fields once at
     * the end: this runs once per feature.)
     */
    private boolean number() {
        final byte[] b = this.b;
        final int n = b.length;
        int p = i;
        boolean minus = p < n && b[p] == '-';
        if (minus) {
            p++;
        }
        long m = 0;
        int significant = 0;
        int e = 0;
        boolean whole = true;
        if (p < n && b[p] == '0') {
            p++;
        } else if (p < n && isDigit(b[p])) {
            for (; p < n && isDigit(b[p]); p++) {
                if (++significant <= 18) {
                    m = m * 10 + (b[p] - '0');
                }
            }
        } else {
            return false;
        }
        if (p < n && b[p] == '.') {
            whole = false;
            int fraction = ++p;
            for (; p < n && isDigit(b[p]); p++) {
                e--;
                if (m == 0 && b[p] == '0') {
                    continue; // a leading zero of the fraction: only the exponent moves
                }
                if (++significant <= 18) {
                    m = m * 10 + (b[p] - '0');
                }
            }
            if (p == fraction) {
                return false;
            }
        }
        if (p < n && (b[p] == 'e' || b[p] == 'E')) {
            whole = false;
            p++;
            boolean down = p < n && b[p] == '-';
            if (down || (p < n && b[p] == '+')) {
                p++;
            }
            int from = p;
            int power = 0;
            for (; p < n && isDigit(b[p]) && p - from < 9; p++) {
                power = power * 10 + (b[p] - '0');
            }
            if (p == from || (p < n && isDigit(b[p]))) {
                return false;
            }
            e += down ? -power : power;
        }
        negative = minus;
        mantissa = m;
        exponent = e;
        integer = whole;
        boolean plain = significant <= 18 && p - i <= MAX_NUMBER_CHARS;
        i = p;
        return plain;
    }

    /** The last number as Jackson's {@code getFloatValue} gives it, or NaN where the caller must ask Jackson. */
    private float value() {
        if (integer) {
            return negative ? -mantissa : mantissa; // from a long, as Jackson converts an integer token
        }
        if (mantissa == 0) {
            return negative ? -0.0f : 0.0f;
        }
        if (mantissa > EXACT_DOUBLE_MANTISSA || exponent < -22 || exponent > 22) {
            return Float.NaN;
        }
        double d = exponent < 0 ? mantissa / POWERS_OF_TEN[-exponent] : mantissa * POWERS_OF_TEN[exponent];
        if (d < Float.MIN_NORMAL || d >= Float.MAX_VALUE
            || (Double.doubleToRawLongBits(d) & BELOW_FLOAT_BITS) == FLOAT_MIDPOINT) {
            return Float.NaN;
        }
        float f = (float) d;
        return negative ? -f : f;
    }

    /**
     * Past a string whose opening quote is at {@code i}; false at an escape, a control character, a byte above 127
     * or the end of input (Jackson decides those).
     */
    private boolean plainString() {
        for (i++; i < b.length; i++) {
            byte c = b[i];
            if (c == '"') {
                i++;
                return true;
            }
            if (c == '\\' || c < 0x20) { // a byte above 127 is negative
                return false;
            }
        }
        return false;
    }

    private boolean literal(String word) {
        if (i + word.length() > b.length) {
            return false;
        }
        for (int k = 0; k < word.length(); k++) {
            if (b[i + k] != word.charAt(k)) {
                return false;
            }
        }
        i += word.length();
        return true;
    }

    private boolean named(int start, int end, byte[] name) {
        if (end - start != name.length) {
            return false;
        }
        for (int k = 0; k < name.length; k++) {
            if (b[start + k] != name[k]) {
                return false;
            }
        }
        return true;
    }

    /** Skips whitespace; true if {@code c} is next. */
    private boolean skipTo(char c) {
        return skipSpace() && b[i] == c;
    }

    /** Skips whitespace; true if input is left. */
    private boolean skipSpace() {
        while (i < b.length && isSpace(b[i])) {
            i++;
        }
        return i < b.length;
    }

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}
