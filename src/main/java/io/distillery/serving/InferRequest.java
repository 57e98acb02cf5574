package io.distillery.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import io.distillery.model.LogitMath;
import io.distillery.model.RowMajor;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * An Open Inference Protocol v2 infer request, parsed and checked against the model's input width.
 *
 * <p>Accepted: one input tensor, datatype FP32, shape {@code [rows, features]} with rows &gt; 0, and
 * data as a flat row-major array or nested arrays (flattened) holding exactly rows × features finite
 * numbers, or, with the binary tensor data extension ({@link BinaryTensors}), {@code "parameters":
 * {"binary_data_size": n}} and the values after the JSON header. Optional: {@code id} (a string, echoed),
 * {@code outputs} (names to return, default all; {@code "parameters": {"binary_data": true}} asks for one
 * as binary data), {@code "parameters": {"binary_data_output": true}} (every output as binary data).
 * Anything else is an {@link HttpError} 400 naming what is wrong.
 * The parser streams (no JSON tree), so a 32×784 batch costs one pass over the body.
 *
 * @param id the request id, or {@code null}
 * @param values the input rows, row-major: {@code rowCount × features} values (the array may be longer; the rest is
 *     not the request's)
 * @param rowCount the number of rows, &gt; 0
 * @param features the model's width
 * @param outputs requested output names, empty for all
 * @param binaryOutputs the outputs to answer as binary data ({@code "*"} for all)
 */
record InferRequest(String id, float[] values, int rowCount, int features, List<String> outputs,
                    Set<String> binaryOutputs) {
    static final List<String> OUTPUT_NAMES = List.of("logits", "probabilities", "predicted_class");
    /** Most dimensions a shape may have; a longer one is refused as it is read. */
    static final int MAX_DIMS = 8;
    // the fast parser and float-direct reads halve the cost of a 32-row batch, which parsing dominates
    private static final JsonFactory JSON = JsonFactory.builder()
        .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
        .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER).build();

    /** One input tensor as written in the request, unchecked. */
    static final class Tensor {
        String name = "input";
        String datatype;
        long[] shape;
        boolean hasData;
        float[] data;
        int size;
        int nonFinite = -1;
        long binarySize = -1;

        /** Marks the data as present and makes room for it (see {@link #capacity}). */
        void startData(int jsonLength) {
            hasData = true;
            data = new float[capacity(shape, jsonLength)];
        }

        /** Appends a value to {@code data}, doubling it when full. */
        void add(float v) {
            if (size == data.length) {
                data = Arrays.copyOf(data, Math.max(16, data.length * 2));
            }
            data[size++] = v;
        }
    }

    /** The request's fields as written, before the checks against the model. */
    record Fields(String id, List<Tensor> inputs, List<String> outputs, Set<String> binary) {
    }

    /** The input rows as arrays of their own (a copy of {@link #values}, unless it is one row exactly). */
    float[][] rows() {
        return RowMajor.split(values, features, rowCount);
    }

    static InferRequest parse(byte[] body, int features) {
        return parse(body, body.length, features);
    }

    /**
     * Requests of the common shape are read by {@link InferScanner} without a JSON library, to the same values;
     * the rest, every malformed one included, by Jackson's streaming parser, which names the fault.
     *
     * @param headerLength the JSON header's length; the rest of the body is binary tensor data
     */
    static InferRequest parse(byte[] body, int headerLength, int features) {
        Fields f = InferScanner.scan(body, headerLength);
        return checked(f != null ? f : jackson(body, headerLength), body, headerLength, features);
    }

    /** {@link #parse} by Jackson alone: the reference the fast path is tested against. */
    static InferRequest parseWithJackson(byte[] body, int headerLength, int features) {
        return checked(jackson(body, headerLength), body, headerLength, features);
    }

    private static Fields jackson(byte[] body, int headerLength) {
        try (JsonParser p = JSON.createParser(body, 0, headerLength)) {
            expect(p.nextToken() == JsonToken.START_OBJECT, "request body must be a JSON object");
            String id = null;
            List<Tensor> inputs = null;
            List<String> outputs = List.of();
            Set<String> binary = new HashSet<>();
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                switch (field) {
                    case "id" -> {
                        expect(value == JsonToken.VALUE_STRING, "id must be a string");
                        id = p.getText();
                    }
                    case "inputs" -> inputs = tensors(p, value, headerLength);
                    case "outputs" -> outputs = outputNames(p, value, binary);
                    case "parameters" -> {
                        if (binaryFlag(p, value, "binary_data_output")) {
                            binary.add("*");
                        }
                    }
                    default -> p.skipChildren();
                }
            }
            expect(p.nextToken() == null, "malformed JSON: content after the request object");
            return new Fields(id, inputs, outputs, binary);
        } catch (JsonProcessingException e) {
            throw HttpError.badRequest("malformed JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw HttpError.badRequest("unreadable request body: " + e.getMessage());
        }
    }

    private static InferRequest checked(Fields f, byte[] body, int headerLength, int features) {
        List<Tensor> inputs = f.inputs();
        expect(inputs != null, "request has no 'inputs'");
        expect(inputs.size() == 1, "expected exactly 1 input tensor, got " + inputs.size());
        Tensor input = inputs.get(0);
        if (input.binarySize >= 0) {
            expect(!input.hasData, "input '" + input.name + "' has both data and binary_data_size");
            checkShape(input, features);
            input.data = BinaryTensors.floats(body, headerLength, input.binarySize, input.shape[0], features);
            input.size = input.data.length;
            input.hasData = true;
            input.nonFinite = LogitMath.firstNonFinite(input.data);
        } else {
            expect(headerLength == body.length, "the body carries " + (body.length - headerLength)
                + " bytes after the JSON header but no input declares binary_data_size");
        }
        checkData(input, features);
        return new InferRequest(f.id(), input.data, (int) input.shape[0], features, f.outputs(),
            Set.copyOf(f.binary()));
    }

    /** The input tensors; a second one is refused before anything of it is read or allocated. */
    private static List<Tensor> tensors(JsonParser p, JsonToken start, int jsonLength) throws IOException {
        expect(start == JsonToken.START_ARRAY, "'inputs' must be an array of tensors");
        List<Tensor> out = new ArrayList<>(1);
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(out.isEmpty(), "expected exactly 1 input tensor, got more");
            expect(p.currentToken() == JsonToken.START_OBJECT, "each input must be a JSON object");
            out.add(tensor(p, jsonLength));
        }
        return out;
    }

    private static Tensor tensor(JsonParser p, int jsonLength) throws IOException {
        Tensor t = new Tensor();
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            switch (field) {
                case "name" -> t.name = Messages.abbreviate(p.getValueAsString("input"));
                case "datatype" -> {
                    expect(value == JsonToken.VALUE_STRING, "input datatype must be a string");
                    t.datatype = Messages.abbreviate(p.getText());
                }
                case "shape" -> t.shape = shape(p, value);
                case "data" -> {
                    t.startData(jsonLength);
                    data(p, value, t);
                }
                case "parameters" -> t.binarySize = binarySize(p, value);
                default -> p.skipChildren();
            }
        }
        return t;
    }

    private static long[] shape(JsonParser p, JsonToken start) throws IOException {
        expect(start == JsonToken.START_ARRAY, "shape must be an array of integers");
        long[] dims = new long[MAX_DIMS];
        int n = 0;
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p.currentToken() == JsonToken.VALUE_NUMBER_INT, "shape must be an array of integers");
            expect(n < MAX_DIMS, "shape has more than " + MAX_DIMS + " dimensions; expected [rows, features]");
            dims[n++] = p.getLongValue();
        }
        return Arrays.copyOf(dims, n);
    }

    /**
     * Room for the data: what the shape declares when it came first and could fit in the JSON (every value
     * takes at least two bytes there, "0,"), else a small start that doubles as values arrive.
     */
    private static int capacity(long[] shape, int jsonLength) {
        long most = jsonLength / 2 + 1;
        if (shape == null || shape.length != 2 || shape[0] <= 0 || shape[1] <= 0 || shape[0] > most
            || shape[1] > most || shape[0] * shape[1] > most) {
            return 256;
        }
        return (int) (shape[0] * shape[1]);
    }

    /** Flattens nested arrays of numbers into {@code t.data}; NaN and infinities are noted, not stored. */
    private static void data(JsonParser p, JsonToken start, Tensor t) throws IOException {
        expect(start == JsonToken.START_ARRAY, "input data must be an array of numbers");
        int depth = 1;
        while (depth > 0) {
            JsonToken tok = p.nextToken();
            expect(tok != null, "malformed JSON: the body ends inside input data");
            if (tok == JsonToken.START_ARRAY) {
                depth++;
            } else if (tok == JsonToken.END_ARRAY) {
                depth--;
            } else if (tok == JsonToken.VALUE_NUMBER_FLOAT || tok == JsonToken.VALUE_NUMBER_INT) {
                float v = p.getFloatValue();
                if (!Float.isFinite(v) && t.nonFinite < 0) {
                    t.nonFinite = t.size;
                }
                t.add(v);
            } else {
                throw HttpError.badRequest("input data must hold only numbers, found " + describe(tok));
            }
        }
    }

    private static void checkData(Tensor t, int features) {
        checkShape(t, features);
        long n = t.shape[0];
        expect(t.hasData, "input '" + t.name + "' has no data");
        // n is compared with what arrived, never multiplied: a huge row count must not overflow into a match
        expect(t.size % features == 0 && n == t.size / features, "input '" + t.name + "' holds " + t.size
            + " values, shape " + Messages.shape(t.shape) + " needs " + (n <= t.size ? n * features + "" : "more"));
        expect(t.nonFinite < 0, "input '" + t.name + "' value " + t.nonFinite + " (row " + t.nonFinite / features
            + ", feature " + t.nonFinite % features + ") is not a finite FP32 number");
    }

    private static void checkShape(Tensor t, int features) {
        expect(t.datatype != null, "input '" + t.name + "' has no datatype; this model takes FP32");
        expect("FP32".equals(t.datatype), "input '" + t.name + "' has datatype " + t.datatype
            + "; this model takes FP32");
        expect(t.shape != null, "input '" + t.name + "' has no shape");
        expect(t.shape.length == 2, "input '" + t.name + "' has shape " + Messages.shape(t.shape)
            + "; expected [rows, " + features + "]");
        long n = t.shape[0];
        expect(n != 0, "empty batch: input '" + t.name + "' has shape " + Messages.shape(t.shape));
        expect(n > 0, "the row count must be > 0, input '" + t.name + "' has shape " + Messages.shape(t.shape));
        expect(t.shape[1] == features, "rows must have " + features + " features, input '" + t.name
            + "' has shape " + Messages.shape(t.shape));
    }

    /** A tensor's {@code parameters}: its {@code binary_data_size}, or -1 when it has none. */
    private static long binarySize(JsonParser p, JsonToken start) throws IOException {
        expect(start == JsonToken.START_OBJECT, "input parameters must be a JSON object");
        long size = -1;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if ("binary_data_size".equals(field)) {
                expect(value == JsonToken.VALUE_NUMBER_INT && p.getLongValue() >= 0,
                    "binary_data_size must be a non-negative integer");
                size = p.getLongValue();
            } else {
                p.skipChildren();
            }
        }
        return size;
    }

    /** Whether a {@code parameters} object sets {@code flag} to true. */
    private static boolean binaryFlag(JsonParser p, JsonToken start, String flag) throws IOException {
        expect(start == JsonToken.START_OBJECT, "parameters must be a JSON object");
        boolean on = false;
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String field = p.currentName();
            JsonToken value = p.nextToken();
            if (flag.equals(field)) {
                expect(value == JsonToken.VALUE_TRUE || value == JsonToken.VALUE_FALSE, flag + " must be true or false");
                on = value == JsonToken.VALUE_TRUE;
            } else {
                p.skipChildren();
            }
        }
        return on;
    }

    private static List<String> outputNames(JsonParser p, JsonToken start, Set<String> binary) throws IOException {
        expect(start == JsonToken.START_ARRAY, "'outputs' must be an array of {\"name\": ...} objects");
        List<String> names = new ArrayList<>();
        while (p.nextToken() != JsonToken.END_ARRAY) {
            expect(p.currentToken() == JsonToken.START_OBJECT, "each output must be a JSON object");
            String name = null;
            boolean asBinary = false;
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String field = p.currentName();
                JsonToken value = p.nextToken();
                if ("name".equals(field)) {
                    name = Messages.abbreviate(p.getValueAsString());
                } else if ("parameters".equals(field)) {
                    asBinary = binaryFlag(p, value, "binary_data");
                } else {
                    p.skipChildren();
                }
            }
            expect(OUTPUT_NAMES.contains(name), "unknown output '" + name + "'; this model has " + OUTPUT_NAMES);
            names.add(name);
            if (asBinary) {
                binary.add(name);
            }
        }
        return names;
    }

    private static String describe(JsonToken tok) {
        return switch (tok) {
            case VALUE_STRING -> "a string";
            case VALUE_TRUE, VALUE_FALSE -> "a boolean";
            case VALUE_NULL -> "null";
            case START_OBJECT -> "an object";
            default -> String.valueOf(tok);
        };
    }

    private static void expect(boolean ok, String message) {
        if (!ok) {
            throw HttpError.badRequest(message);
        }
    }
}
