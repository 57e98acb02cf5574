package io.distillery.model;

/**
 * What every predict-only path needs of a model: logits for a batch of rows. {@link Network} is one; the
 * serving role's pooled networks are another.
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
