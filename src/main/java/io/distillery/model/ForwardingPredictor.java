package io.distillery.model;

/** A predictor that predicts with another one, for wrappers that carry more than the model. */
public interface ForwardingPredictor extends Predictor {
    /** The predictor that does the work. */
    Predictor delegate();

    @Override
    default int inputs() {
        return delegate().inputs();
    }

    @Override
    default int outputs() {
        return delegate().outputs();
    }

    @Override
    default float[][] logits(float[][] rows) {
        return delegate().logits(rows);
    }

    @Override
    default float[][] logits(float[] values, int rows) {
        return delegate().logits(values, rows);
    }

    @Override
    default boolean hasHidden() {
        return delegate().hasHidden();
    }

    @Override
    default Forward forward(float[][] rows) {
        return delegate().forward(rows);
    }

    @Override
    default void close() {
        delegate().close();
    }
}
