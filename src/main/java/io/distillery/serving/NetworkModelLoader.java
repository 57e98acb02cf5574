package io.distillery.serving;

import io.distillery.inference.Engine;
import io.distillery.inference.OnnxPredictor;
import io.distillery.model.ForwardingPredictor;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.SnapshotVerifier;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;
import java.util.Objects;

/**
 * Loads student snapshots for serving on the configured {@link Engine}: the network and its ONNX graph,
 * checked equal ({@code ONNX_MISMATCH} otherwise), then ONNX Runtime sessions on the graph, or copies of the
 * DL4J network. Stateless and thread-safe.
 */
public final class NetworkModelLoader implements ModelLoader {
    private final Engine engine;

    public NetworkModelLoader(Engine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public ServingNetwork load(Snapshot snapshot) throws SnapshotException {
        CheckedNetwork checked = SnapshotVerifier.checked(snapshot);
        return engine == Engine.ONNX ? new OnnxNetwork(checked.onnx())
            : new Dl4jNetwork(checked.network(), checked.onnx());
    }

    /** One DL4J network, used by one request at a time (the pool sees to that). */
    private record Dl4jNetwork(Network network, byte[] onnx) implements ServingNetwork, ForwardingPredictor {
        @Override
        public Predictor delegate() {
            return network;
        }

        @Override
        public ServingNetwork copy() {
            return new Dl4jNetwork(network.copy(), onnx);
        }
    }

    /** One ONNX Runtime session on the graph; copies are sessions of their own, closed when retired. */
    private record OnnxNetwork(byte[] onnx, OnnxPredictor delegate) implements ServingNetwork, ForwardingPredictor {
        OnnxNetwork(byte[] onnx) {
            this(onnx, new OnnxPredictor(onnx));
        }

        @Override
        public ServingNetwork copy() {
            return new OnnxNetwork(onnx);
        }
    }
}
