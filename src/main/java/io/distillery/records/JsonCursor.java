package io.distillery.records;

import java.nio.charset.StandardCharsets;

/**
 * A cursor over JSON bytes for the fast paths that read a known shape without a JSON library
 * ({@link InputScanner}, serving's infer requests): whitespace, plain strings, literals, and numbers read to the
 * float Jackson's {@code getFloatValue} gives. Every method answers whether it could read what is there; a
 * caller that gets {@code false} (or a NaN from {@link #floatValue}) leaves the input to Jackson, which names
 * the fault, so these never decide that input is malformed.
 *
 * <p>Numbers: an integer token converts from a long, as Jackson converts an integer token; a decimal of at most
 * 18 significant digits and a power of ten up to 10^22 is computed with one exactly rounded double operation
 * (Clinger's fast path: such a mantissa and such a power are exact doubles) and narrowed to float, which rounds
 * correctly unless the double lies exactly halfway between two floats (then NaN: ask Jackson). Not thread-safe.
 */
public final class JsonCursor {
    /** Longest number token read here (Jackson's own limit is 1,000 characters). */
    private static final int MAX_NUMBER_CHARS = 64;
    private static final long EXACT_DOUBLE_MANTISSA = 1L << 53;
    private static final double[] POWERS_OF_TEN = {
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
    /** The double's 29 fraction bits below float's 23: exactly this pattern is a midpoint between two floats. */
    private static final long BELOW_FLOAT_BITS = (1L << 29) - 1;
    private static final long FLOAT_MIDPOINT = 1L << 28;

    private final byte[] b;
    private final int end;
    private int i;
    // the last number token read
    private boolean negative;
    private long mantissa;
    private int exponent;
    private boolean integer;

    /** A cursor over {@code bytes[0, end)}. */
    public JsonCursor(byte[] bytes, int end) {
        this.b = bytes;
        this.end = end;
    }

    /** Skips whitespace; true if input is left. */
    public boolean skipSpace() {
        while (i < end && isSpace(b[i])) {
            i++;
        }
        return i < end;
    }

    /** Skips whitespace; true if {@code c} is next (not consumed). */
    public boolean at(char c) {
        return skipSpace() && b[i] == c;
    }

    /** Skips whitespace; consumes {@code c} if it is next. */
    public boolean take(char c) {
        if (at(c)) {
            i++;
            return true;
        }
        return false;
    }

    /** Skips whitespace; true if nothing else is left. */
    public boolean atEnd() {
        return !skipSpace();
    }

    /**
     * The plain string at the cursor (after whitespace), consumed: its opening quote next, then ASCII without an
     * escape or a control character up to the closing quote; else {@code null}.
     */
    public String plainString() {
        if (!at('"')) {
            return null;
        }
        int start = i + 1;
        for (int k = start; k < end; k++) {
            byte c = b[k];
            if (c == '"') {
                i = k + 1;
                return new String(b, start, k - start, StandardCharsets.US_ASCII);
            }
            if (c == '\\' || c < 0x20) { // a byte above 127 is negative
                return null;
            }
        }
        return null;
    }

    /** An object's field name and its colon, consumed; {@code null} unless the name is a plain string. */
    public String fieldName() {
        String name = plainString();
        return name != null && take(':') ? name : null;
    }

    /** Reads the value of one field of an object, the cursor after its name and colon. */
    @FunctionalInterface
    public interface Field {
        /** @return false when the value is not of the shape the reader takes */
        boolean read(String name);
    }

    /**
     * Consumes an object (after whitespace), {@code {}} included, each field's value read by {@code field}: true if
     * it is all there, false at the first name that is not a plain string, the first value {@code field} refuses, or
     * punctuation out of place.
     */
    public boolean object(Field field) {
        if (!take('{')) {
            return false;
        }
        if (take('}')) {
            return true;
        }
        do {
            String name = fieldName();
            if (name == null || !field.read(name)) {
                return false;
            }
        } while (take(','));
        return take('}');
    }

    /** Consumes {@code word} (after whitespace) if it is next. */
    public boolean literal(String word) {
        if (!skipSpace() || i + word.length() > end) {
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

    /** Consumes a scalar value: a plain string, a number, {@code true}, {@code false} or {@code null}. */
    public boolean scalar() {
        if (at('"')) {
            return plainString() != null;
        }
        if (!skipSpace()) {
            return false;
        }
        byte c = b[i];
        if (c == '-' || (c >= '0' && c <= '9')) {
            return number();
        }
        return literal("true") || literal("false") || literal("null");
    }

    /**
     * Consumes the number token at the cursor (after whitespace): sign, up to 18 significant digits and the power
     * of ten, read by {@link #integer}, {@link #longValue} and {@link #floatValue}; false if it is not a JSON
     * number or has more digits. (Locals in the loops, fields once at the end: this runs once per value.)
     */
    public boolean number() {
        if (!skipSpace()) {
            return false;
        }
        final byte[] b = this.b;
        final int n = end;
        int p = i;
        boolean minus = b[p] == '-';
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

    /** Consumes the number token at the cursor and gives {@link #floatValue}; NaN if {@link #number} cannot read it. */
    public float floatNumber() {
        return number() ? floatValue() : Float.NaN;
    }

    /** Whether the last number was an integer token (no fraction, no exponent). */
    public boolean integer() {
        return integer;
    }

    /** The last number, an integer token, as a long. */
    public long longValue() {
        return negative ? -mantissa : mantissa;
    }

    /** The last number as Jackson's {@code getFloatValue} gives it, or NaN where the caller must ask Jackson. */
    public float floatValue() {
        if (integer) {
            return longValue(); // from a long, as Jackson converts an integer token
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

    private static boolean isDigit(int c) {
        return c >= '0' && c <= '9';
    }

    private static boolean isSpace(byte c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
    }
}
