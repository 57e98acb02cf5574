package io.distillery.modelstore;

import io.distillery.inference.Engine;
import io.distillery.model.ForwardingPredictor;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import java.util.Objects;

/**
 * A network loaded from a verified snapshot, with its ONNX graph checked equal to it by the {@link OnnxGate}
 * (carried by the snapshot, or exported on load from a version-1 snapshot). As a {@link Predictor} it is the
 * DL4J network; {@link #open} gives a predictor of the configured engine for one reader.
 *
 * @param network the network, training state included; read-only for readers (copy to train or share)
 * @param onnx the same network as an ONNX model
 */
public record CheckedNetwork(Network network, byte[] onnx) implements ForwardingPredictor {
    public CheckedNetwork {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(onnx, "onnx");
    }

    /** A predictor of the caller's own on {@code engine}; close it when it is replaced. */
    public Predictor open(Engine engine) {
        return engine.open(network, onnx);
    }

    @Override
    public Predictor delegate() {
        return network;
    }
}
