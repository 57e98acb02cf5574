package io.distillery.inference;

import io.distillery.model.Network;
import io.distillery.model.Predictor;
import java.util.Locale;
import java.util.Objects;

/**
 * The engine of every path that only predicts ({@code inference.engine}): the emitter's teacher logits (and hints), the
 * student's replay soft targets, serving and {@code evaluate}. DL4J stays the trainer either way.
 */
public enum Engine {
    /** ONNX Runtime on the snapshot's ONNX graph: one session per predictor, one core per call. */
    ONNX,
    /** DL4J's own forward pass on a copy of the network. */
    DL4J;

    /** The engine named {@code onnx} or {@code dl4j} (any case). */
    public static Engine of(String name) {
        return valueOf(Objects.requireNonNull(name, "engine").trim().toUpperCase(Locale.ROOT));
    }

    /**
     * A predictor of the caller's own, for one thread at a time; the caller closes it when it is replaced.
     *
     * @param network the verified network (copied, never shared, for {@link #DL4J})
     * @param onnx the same network as ONNX, checked equal to it (used by {@link #ONNX})
     */
    public Predictor open(Network network, byte[] onnx) {
        return this == ONNX ? new OnnxPredictor(onnx) : network.copy();
    }

    public String tag() {
        return name().toLowerCase(Locale.ROOT);
    }
}
