package io.distillery.serving;

import io.distillery.records.JsonCursor;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * The common shape of an infer request, read without a JSON library: an object with an optional plain-string
 * {@code "id"} and {@code "inputs"}, an array of one tensor object whose {@code "name"} and {@code "datatype"}
 * are plain strings, {@code "shape"} an array of at most {@link InferRequest#MAX_DIMS} integers and
 * {@code "data"} an array of numbers or of nested arrays of numbers; other fields, at either level, with scalar
 * values. Anything else ({@code outputs}, {@code parameters}, the binary extension, a field given twice, a second
 * tensor, escapes, NaN tokens, a number {@link JsonCursor} leaves to Jackson, malformed JSON) answers
 * {@code null}, and {@link InferRequest} reads the request with Jackson, which names the fault. So the fields
 * read here are those Jackson reads, and the checks after them are the same code. Stateless.
 */
final class InferScanner {
    private InferScanner() {
    }

    /** The request's fields, or {@code null} when it is not of the common shape. */
    static InferRequest.Fields scan(byte[] body, int headerLength) {
        JsonCursor c = new JsonCursor(body, headerLength);
        Request r = new Request();
        boolean read = c.object(name -> switch (name) {
            case "id" -> r.id == null && (r.id = c.plainString()) != null;
            case "inputs" -> r.inputs == null && (r.inputs = tensor(c, headerLength)) != null;
            case "outputs", "parameters" -> false;
            default -> c.scalar();
        });
        return read && c.atEnd()
            ? new InferRequest.Fields(r.id, r.inputs == null ? null : List.of(r.inputs), List.of(), Set.of()) : null;
    }

    /** The request's fields as they are read. */
    private static final class Request {
        String id;
        InferRequest.Tensor inputs;
    }

    /** The one tensor of an {@code "inputs"} array, or null. */
    private static InferRequest.Tensor tensor(JsonCursor c, int headerLength) {
        if (!c.take('[')) {
            return null;
        }
        InferRequest.Tensor t = new InferRequest.Tensor();
        boolean[] named = new boolean[1]; // the name has a default, so a second one is told by this
        boolean read = c.object(field -> switch (field) {
            case "name" -> {
                String name = named[0] ? null : c.plainString();
                t.name = name == null ? t.name : Messages.abbreviate(name);
                named[0] = true;
                yield name != null;
            }
            case "datatype" -> {
                String type = t.datatype == null ? c.plainString() : null;
                t.datatype = type == null ? null : Messages.abbreviate(type);
                yield type != null;
            }
            case "shape" -> t.shape == null && (t.shape = shape(c)) != null;
            case "data" -> !t.hasData && data(c, t, headerLength);
            case "parameters" -> false;
            default -> c.scalar();
        });
        return read && c.take(']') ? t : null;
    }

    private static long[] shape(JsonCursor c) {
        if (!c.take('[')) {
            return null;
        }
        long[] dims = new long[InferRequest.MAX_DIMS];
        int n = 0;
        if (!c.take(']')) {
            do {
                if (n == dims.length || !c.number() || !c.integer()) {
                    return null;
                }
                dims[n++] = c.longValue();
            } while (c.take(','));
            if (!c.take(']')) {
                return null;
            }
        }
        return Arrays.copyOf(dims, n);
    }

    /** Flattens nested arrays of numbers into {@code t.data}, sized and grown as {@link InferRequest} does it. */
    private static boolean data(JsonCursor c, InferRequest.Tensor t, int headerLength) {
        if (!c.take('[')) {
            return false;
        }
        t.startData(headerLength);
        int depth = 1;
        // what was read last: an opening bracket, a comma, or a value (a number or a closed array)
        char last = '[';
        while (depth > 0) {
            if (last == 'v' && c.take(',')) {
                last = ',';
            } else if (last != ',' && c.take(']')) {
                depth--;
                last = 'v';
            } else if (last != 'v' && c.take('[')) {
                depth++;
                last = '[';
            } else if (last != 'v') {
                float v = c.floatNumber();
                if (Float.isNaN(v)) {
                    return false;
                }
                t.add(v);
                last = 'v';
            } else {
                return false;
            }
        }
        return true;
    }
}
