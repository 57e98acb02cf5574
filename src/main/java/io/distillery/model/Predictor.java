package io.distillery.model;

/**
 * What every predict-only path needs of a model: logits for a batch of rows, and for the emitter's hints the
 * last hidden layer with them. {@link Network} is one; the serving role's pooled networks are another.
 *
 * <p>Threading: an instance is not assumed thread-safe; a caller that shares one uses copies. A predictor that
 * holds native resources releases them on {@link #close()}; for the others it does nothing.
 */
public interface Predictor extends AutoCloseable {
    /** Input width (feature count). */
    int inputs();

    /** Output width (class count). */
    int outputs();

    /**
     * Logits of each row.
     *
     * @param rows n rows of {@link #inputs()} finite floats, n &gt; 0
     * @return n rows of {@link #outputs()} logits
     */
    float[][] logits(float[][] rows);

    /**
     * Logits of {@code rows} rows given as one row-major array, which a caller holding its data flat (a binary
     * request) passes without splitting it. The default splits it for {@link #logits(float[][])}; a predictor that
     * copies its batch into one buffer anyway (ONNX Runtime's) reads the array as it is.
     *
     * @param values at least {@code rows × }{@link #inputs()} finite floats, row-major (the rest is ignored)
     * @param rows n &gt; 0
     * @return n rows of {@link #outputs()} logits
     * @throws IllegalArgumentException if {@code values} is shorter
     */
    default float[][] logits(float[] values, int rows) {
        return logits(RowMajor.split(values, inputs(), rows));
    }

    /**
     * Whether {@link #forward} gives the last hidden layer beside the logits. False unless the predictor says
     * otherwise: a plain logits predictor (an ONNX graph with only a {@code logits} output) has none.
     */
    default boolean hasHidden() {
        return false;
    }

    /**
     * Logits and last hidden layer of each row, from one pass.
     *
     * @param rows n rows of {@link #inputs()} finite floats; n = 0 gives empty arrays
     * @throws IllegalStateException if the predictor has no hidden layer to give ({@link #hasHidden()} is false)
     */
    default Forward forward(float[][] rows) {
        throw new IllegalStateException("no hidden layer: " + this);
    }

    /** The top-1 class of each row. */
    default int[] predict(float[][] rows) {
        float[][] logits = logits(rows);
        int[] classes = new int[logits.length];
        for (int i = 0; i < logits.length; i++) {
            classes[i] = LogitMath.argmax(logits[i]);
        }
        return classes;
    }

    /** Releases what the predictor holds outside the heap; it predicts no more. Idempotent. */
    @Override
    default void close() {
    }
}
