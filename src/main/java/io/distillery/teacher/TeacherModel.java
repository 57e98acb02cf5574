package io.distillery.teacher;

import io.distillery.inference.Engine;
import io.distillery.model.Network;
import io.distillery.model.Predictor;

/**
 * A published teacher: its snapshot version, a frozen copy of its weights and the same network as the ONNX
 * graph that was published with it. The network is never trained; readers on other threads take a
 * predictor of their own with {@link #open}.
 */
public record TeacherModel(long version, Network network, byte[] onnx) {
    /** A predictor of the caller's own on {@code engine}; close it when it is replaced. */
    public Predictor open(Engine engine) {
        return engine.open(network, onnx);
    }
}
