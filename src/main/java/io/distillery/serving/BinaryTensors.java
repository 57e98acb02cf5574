package io.distillery.serving;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The binary tensor data extension of the Open Inference Protocol (KServe, Triton): a request or answer
 * whose body is a JSON header of {@code Inference-Header-Content-Length} bytes followed by raw tensor data,
 * little-endian, in the order of the tensors that declare {@code "parameters": {"binary_data_size": n}}.
 * Every size is checked against the body before anything is read or allocated; what does not add up is a
 * 400 naming the sizes. Stateless.
 */
final class BinaryTensors {
    static final String HEADER = "Inference-Header-Content-Length";
    /** The extension's name in the server metadata, as Triton lists it. */
    static final String EXTENSION = "binary_tensor_data";

    private BinaryTensors() {
    }

    /** The JSON header's length from the request header, checked against the body; the body's length without one. */
    static int headerLength(String header, int bodyLength) {
        if (header == null) {
            return bodyLength;
        }
        long length;
        try {
            length = Long.parseLong(header.trim());
        } catch (NumberFormatException e) {
            throw HttpError.badRequest(HEADER + " must be an integer, was '" + abbreviate(header) + "'");
        }
        if (length <= 0 || length > bodyLength) {
            throw HttpError.badRequest(HEADER + " is " + length + " but the body has " + bodyLength + " bytes");
        }
        return (int) length;
    }

    /**
     * The FP32 values of the binary section.
     *
     * @param declared the input's {@code binary_data_size}
     * @param rows the input's row count (> 0), @param features its width
     */
    static float[] floats(byte[] body, int offset, long declared, long rows, int features) {
        long available = body.length - offset;
        if (declared != available) {
            throw HttpError.badRequest("binary_data_size is " + declared + " bytes but the body carries " + available
                + " bytes after the JSON header");
        }
        if (rows > available / Float.BYTES / features) {
            throw HttpError.badRequest("shape [" + rows + ", " + features + "] needs more data than the "
                + available + " bytes after the JSON header");
        }
        long expectedValues = rows * features;
        if (declared != expectedValues * Float.BYTES) {
            throw HttpError.badRequest("binary_data_size is " + declared + " bytes; the input's shape needs "
                + expectedValues + " FP32 values (" + expectedValues * Float.BYTES + " bytes)");
        }
        float[] values = new float[(int) expectedValues];
        ByteBuffer.wrap(body, offset, (int) declared).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }

    /** Appends FP32 values, little-endian. */
    static void putFloats(ByteBuffer out, float[][] rows) {
        for (float[] row : rows) {
            for (float v : row) {
                out.putFloat(v);
            }
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 20 ? s : s.substring(0, 20) + "...";
    }
}
