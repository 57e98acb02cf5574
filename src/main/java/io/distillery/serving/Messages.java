package io.distillery.serving;

import java.util.Arrays;

/** Client-supplied text quoted in error messages, cut short so that an answer never echoes a huge input. */
final class Messages {
    /** Longest quoted text, characters. */
    static final int MAX_QUOTE = 64;
    /** Most dimensions of a shape written out in full. */
    static final int MAX_DIMS_SHOWN = 4;

    private Messages() {
    }

    /** {@code s}, or its first {@value #MAX_QUOTE} characters and the full length. */
    static String abbreviate(String s) {
        if (s == null || s.length() <= MAX_QUOTE) {
            return s;
        }
        return s.substring(0, MAX_QUOTE) + "... (" + s.length() + " characters)";
    }

    /** A shape as {@code [a, b]}, or its first dimensions and the count when it has many. */
    static String shape(long[] dims) {
        if (dims.length <= MAX_DIMS_SHOWN) {
            return Arrays.toString(dims);
        }
        String head = Arrays.toString(Arrays.copyOf(dims, MAX_DIMS_SHOWN));
        return head.substring(0, head.length() - 1) + ", ... (" + dims.length + " dimensions)]";
    }
}
