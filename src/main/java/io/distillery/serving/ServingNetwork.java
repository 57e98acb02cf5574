package io.distillery.serving;

/**
 * What serving needs of a network: logits for a batch of rows, and copies for parallel use.
 *
 * <p>Threading: an instance is <em>not</em> thread-safe; serving gives each copy to one request at a
 * time. {@link #copy()} may be called while no request uses the instance.
 */
public interface ServingNetwork {
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

    /** An independent copy with the same weights. */
    ServingNetwork copy();
}
