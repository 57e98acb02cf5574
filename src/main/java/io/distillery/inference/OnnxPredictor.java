package io.distillery.inference;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxJavaType;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import io.distillery.model.Forward;
import io.distillery.model.OnnxExport;
import io.distillery.model.Predictor;
import io.distillery.model.RowMajor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A {@link Predictor} that runs an ONNX model on ONNX Runtime's CPU engine: one float input {@code [N, inputs]}
 * and float outputs {@code [N, width]}, such as a network written by {@code model.OnnxExport}. The logits are the
 * only output, or the one named {@value OnnxExport#OUTPUT} among several; an output named
 * {@value OnnxExport#HIDDEN} (a teacher's last hidden layer) is what {@link #forward} gives beside them, in the
 * same run; {@link #logits} asks for the logits alone. The model's input and output info give
 * {@link #inputs()}, {@link #outputs()} and {@link #hiddenWidth()}.
 *
 * <p>One session, created once and reused for every call, with one intra-op and one inter-op thread and
 * sequential execution: a call uses one core, and parallelism comes from several instances. {@link #share()}
 * makes another instance on the same session (ONNX Runtime runs one session from several threads at once, each
 * call on its caller's thread), so a pool of instances loads the graph once. The session holds the weights in
 * native memory until the last instance on it is closed.
 *
 * <p>Threading: {@link #logits}, {@link #forward} and {@link #close} are {@code synchronized}, because a call fills
 * an input buffer that the instance reuses and because closing a session during a run would free memory the run
 * is using. So one instance may be shared, but its callers take turns; for parallel predictions pool several
 * instances.
 *
 * <p>Errors: {@link IllegalArgumentException} for model bytes ONNX Runtime cannot load or whose graph is not one
 * float matrix in and logits out as above, and for rows of the wrong width; {@link IllegalStateException} after
 * {@link #close()} or if ONNX Runtime fails during a run.
 */
public final class OnnxPredictor implements Predictor, AutoCloseable {
    private static final OrtEnvironment ENV = environment();

    private final Session shared;
    private final OrtSession session;
    private final String inputName;
    private final int inputs;
    private final String logitsName;
    private final int outputs;
    /** Name of the {@value OnnxExport#HIDDEN} output, null when the graph has none. */
    private final String hiddenName;
    private final int hiddenWidth;
    private FloatBuffer input = FloatBuffer.allocate(0);
    private boolean closed;

    /**
     * ONNX Runtime's environment, its native libraries loaded from our cache ({@link OrtNatives}), without its
     * shutdown hook ({@link OrtShutdown}).
     */
    private static OrtEnvironment environment() {
        OrtNatives.prepare();
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtShutdown.removeHook();
        return env;
    }

    /**
     * Loads a model.
     *
     * @param model ONNX model bytes (protobuf {@code ModelProto})
     * @throws IllegalArgumentException if ONNX Runtime cannot load them or the graph is not one float
     *                                  {@code [N, inputs]} input and a float {@code [N, outputs]} logits output
     *                                  (the only one, or the one named {@value OnnxExport#OUTPUT}), with a
     *                                  {@value OnnxExport#HIDDEN} output, if any, a float {@code [N, width]}
     */
    public OnnxPredictor(byte[] model) {
        Objects.requireNonNull(model, "model must not be null");
        OrtSession.SessionOptions opts = new OrtSession.SessionOptions();
        OrtSession created = null;
        try {
            opts.setIntraOpNumThreads(1);
            opts.setInterOpNumThreads(1);
            opts.setExecutionMode(OrtSession.SessionOptions.ExecutionMode.SEQUENTIAL);
            opts.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
            created = ENV.createSession(model, opts);
            Map.Entry<String, NodeInfo> in = single(created.getInputInfo());
            Map<String, NodeInfo> outs = created.getOutputInfo();
            NodeInfo logits = logitsOutput(outs);
            NodeInfo hidden = outs.size() > 1 ? outs.get(OnnxExport.HIDDEN) : null;
            this.inputName = in.getKey();
            this.inputs = width("input", in.getValue());
            this.logitsName = logits.getName();
            this.outputs = width("output", logits);
            this.hiddenName = hidden == null ? null : hidden.getName();
            this.hiddenWidth = hidden == null ? 0 : width("output", hidden);
        } catch (OrtException | RuntimeException e) {
            try {
                release(created, opts);
            } catch (IllegalStateException s) {
                e.addSuppressed(s);
            }
            if (e instanceof IllegalArgumentException iae) {
                throw iae;
            }
            throw new IllegalArgumentException("ONNX Runtime cannot load the model (" + model.length + " bytes): "
                + e.getMessage(), e);
        }
        this.shared = new Session(created, opts);
        this.session = created;
    }

    private OnnxPredictor(OnnxPredictor of) {
        this.shared = of.shared;
        this.session = of.session;
        this.inputName = of.inputName;
        this.inputs = of.inputs;
        this.logitsName = of.logitsName;
        this.outputs = of.outputs;
        this.hiddenName = of.hiddenName;
        this.hiddenWidth = of.hiddenWidth;
    }

    /**
     * Another predictor on this one's session, with its own input buffer: no second copy of the graph is loaded.
     * The session is released when the last predictor on it is closed.
     *
     * @throws IllegalStateException if this predictor is closed
     */
    public synchronized OnnxPredictor share() {
        if (closed) {
            throw new IllegalStateException("predictor is closed");
        }
        shared.acquire();
        return new OnnxPredictor(this);
    }

    @Override
    public int inputs() {
        return inputs;
    }

    @Override
    public int outputs() {
        return outputs;
    }

    /** Whether the graph has a {@value OnnxExport#HIDDEN} output for {@link #forward}. */
    @Override
    public boolean hasHidden() {
        return hiddenName != null;
    }

    /** Width of the {@value OnnxExport#HIDDEN} output; 0 when the graph has none. */
    public int hiddenWidth() {
        return hiddenWidth;
    }

    /**
     * Logits of each row, computed by ONNX Runtime (the logits output only).
     *
     * @param rows n rows of {@link #inputs()} floats; n = 0 gives an empty array
     * @return n rows of {@link #outputs()} logits
     * @throws IllegalArgumentException if a row is null or not {@link #inputs()} wide
     * @throws IllegalStateException    if the predictor is closed or ONNX Runtime fails
     */
    @Override
    public synchronized float[][] logits(float[][] rows) {
        return run(rows, false).logits();
    }

    /**
     * Logits of {@code rows} rows given as one row-major array, copied into the input buffer as they are (no
     * split into rows and no copy per row).
     *
     * @param values at least {@code rows × }{@link #inputs()} floats, row-major (the rest is ignored)
     * @throws IllegalArgumentException if {@code values} is shorter or {@code rows} &lt; 1
     * @throws IllegalStateException    if the predictor is closed or ONNX Runtime fails
     */
    @Override
    public synchronized float[][] logits(float[] values, int rows) {
        if (closed) {
            throw new IllegalStateException("predictor is closed");
        }
        if (rows < 1) {
            throw new IllegalArgumentException("rows must be >= 1, was " + rows);
        }
        RowMajor.requireSize(values, inputs, rows);
        return run(buffer(rows).put(values, 0, rows * inputs).flip(), rows, false).logits();
    }

    /**
     * Logits and the {@value OnnxExport#HIDDEN} output of each row, from one ONNX Runtime run.
     *
     * @param rows n rows of {@link #inputs()} floats; n = 0 gives empty arrays
     * @return n rows of {@link #outputs()} logits and n rows of {@link #hiddenWidth()} hidden activations
     * @throws IllegalArgumentException if a row is null or not {@link #inputs()} wide
     * @throws IllegalStateException    if the graph has no hidden output, the predictor is closed or ONNX Runtime
     *                                  fails
     */
    @Override
    public synchronized Forward forward(float[][] rows) {
        if (hiddenName == null) {
            throw new IllegalStateException("the ONNX graph has no " + OnnxExport.HIDDEN + " output");
        }
        return run(rows, true);
    }

    /** One run for the logits and, if asked, the hidden output (else null). */
    private Forward run(float[][] rows, boolean withHidden) {
        if (closed) {
            throw new IllegalStateException("predictor is closed");
        }
        if (rows.length == 0) {
            return new Forward(new float[0][], withHidden ? new float[0][] : null);
        }
        return run(fill(rows), rows.length, withHidden);
    }

    /** One run on the first {@code rows} rows of the filled input buffer. */
    private Forward run(FloatBuffer batch, int rows, boolean withHidden) {
        Set<String> wanted = withHidden ? Set.of(logitsName, hiddenName) : Set.of(logitsName);
        try (OnnxTensor tensor = OnnxTensor.createTensor(ENV, batch, new long[] {rows, inputs});
             OrtSession.Result result = session.run(Map.of(inputName, tensor), wanted)) {
            return new Forward(matrix(result, logitsName, rows, outputs),
                withHidden ? matrix(result, hiddenName, rows, hiddenWidth) : null);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed on a batch of " + rows + " rows: "
                + e.getMessage(), e);
        }
    }

    private static float[][] matrix(OrtSession.Result result, String name, int rows, int width) {
        FloatBuffer flat = ((OnnxTensor) result.get(name).orElseThrow()).getFloatBuffer();
        float[][] out = new float[rows][width];
        for (float[] row : out) {
            flat.get(row);
        }
        return out;
    }

    /**
     * Later calls to {@link #logits} and {@link #forward} throw; the session is released if no other predictor
     * shares it. Closing twice is harmless.
     *
     * @throws IllegalStateException if ONNX Runtime fails to release the session
     */
    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            shared.release();
        }
    }

    /** A session and its options, released when the last of the predictors on it lets go. */
    private static final class Session {
        private final OrtSession session;
        private final OrtSession.SessionOptions options;
        private int holders = 1;

        Session(OrtSession session, OrtSession.SessionOptions options) {
            this.session = session;
            this.options = options;
        }

        synchronized void acquire() {
            holders++;
        }

        synchronized void release() {
            if (--holders == 0) {
                OnnxPredictor.release(session, options);
            }
        }
    }

    /** The reused direct input buffer, cleared, grown when a batch of {@code rows} is larger. */
    private FloatBuffer buffer(int rows) {
        int size = rows * inputs;
        if (input.capacity() < size) {
            input = ByteBuffer.allocateDirect(size * Float.BYTES).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }
        return input.clear();
    }

    /** Copies the rows into the input buffer, checking each width. */
    private FloatBuffer fill(float[][] rows) {
        FloatBuffer input = buffer(rows.length);
        for (int i = 0; i < rows.length; i++) {
            float[] row = rows[i];
            if (row == null || row.length != inputs) {
                throw new IllegalArgumentException("row " + i + " must have " + inputs
                    + " features, had " + (row == null ? "null" : row.length));
            }
            input.put(row);
        }
        return input.flip();
    }

    private static Map.Entry<String, NodeInfo> single(Map<String, NodeInfo> inputs) {
        if (inputs.size() != 1) {
            throw new IllegalArgumentException("the model must have one input, had " + inputs.keySet());
        }
        return inputs.entrySet().iterator().next();
    }

    /** The only output, or the one named logits among several (found by name, whatever its position). */
    private static NodeInfo logitsOutput(Map<String, NodeInfo> outputs) {
        if (outputs.size() == 1) {
            return outputs.values().iterator().next();
        }
        NodeInfo logits = outputs.get(OnnxExport.OUTPUT);
        if (logits == null) {
            throw new IllegalArgumentException("the model must have one output, or one named " + OnnxExport.OUTPUT
                + " among several, had " + outputs.keySet());
        }
        return logits;
    }

    /** The fixed second dimension of a float {@code [N, width]} tensor. */
    private static int width(String what, NodeInfo node) {
        if (node.getInfo() instanceof TensorInfo t && t.type == OnnxJavaType.FLOAT) {
            long[] shape = t.getShape();
            if (shape.length == 2 && shape[1] > 0 && shape[1] <= Integer.MAX_VALUE) {
                return (int) shape[1];
            }
        }
        throw new IllegalArgumentException("the model's " + what + " " + node.getName()
            + " must be a float [N, width] tensor with a fixed width, was " + node.getInfo());
    }

    private static void release(OrtSession session, OrtSession.SessionOptions opts) {
        try {
            if (session != null) {
                session.close();
            }
        } catch (OrtException e) {
            throw new IllegalStateException("cannot close the ONNX Runtime session: " + e.getMessage(), e);
        } finally {
            opts.close();
        }
    }
}
