package io.distillery.serving;

import io.distillery.model.Predictor;

/**
 * What serving needs of a network: a {@link Predictor} that makes copies of itself for parallel use.
 *
 * <p>Threading: an instance is <em>not</em> thread-safe; serving gives each copy to one request at a
 * time. {@link #copy()} may be called while no request uses the instance.
 */
public interface ServingNetwork extends Predictor {
    /** The network as a verified ONNX graph, or {@code null} when the loader has none (test fakes). */
    default byte[] onnx() {
        return null;
    }

    /**
     * What computes the answers, as the model metadata's {@code platform} names it: {@code onnxruntime_onnx}
     * (Triton's name for ONNX Runtime on an ONNX graph) or {@code distillery_dl4j}.
     */
    String platform();

    /** An independent copy with the same weights. */
    ServingNetwork copy();
}
