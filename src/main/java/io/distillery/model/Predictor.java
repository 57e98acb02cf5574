package io.distillery.model;

/**
 * What every predict-only path needs of a model: logits for a batch of rows. {@link Network} is one; the
 * serving role's pooled networks are another.
 *
 * <p>Threading: an instance is not assumed thread-safe; a caller that shares one uses copies.
 */
public interface Predictor {
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
}
