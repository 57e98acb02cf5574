package io.distillery.serving;

import io.distillery.inference.Engine;
import io.distillery.inference.OnnxPredictor;
import io.distillery.model.ForwardingPredictor;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.OnnxGate;
import io.distillery.modelstore.SnapshotVerifier;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;
import java.util.Objects;

/**
 * Loads student snapshots for serving on the configured {@link Engine}. On {@code onnx}, the snapshot's ONNX graph,
 * checked by the {@link OnnxGate} against the probe outputs its writer signed into the manifest ({@code
 * ONNX_MISMATCH} otherwise), without restoring the network, which this engine never runs; the session the gate
 * ran on serves, and copies are further predictors on that one session (the graph is loaded once per version).
 * A snapshot written before manifests carried probe outputs, or without a graph, is checked as on {@code dl4j}:
 * the network is restored (without its updater state: serving never trains) and its graph checked equal to it.
 * On {@code dl4j}, copies of that network serve. Stateless and thread-safe.
 */
public final class NetworkModelLoader implements ModelLoader {
    private final Engine engine;

    public NetworkModelLoader(Engine engine) {
        this.engine = Objects.requireNonNull(engine, "engine");
    }

    @Override
    public ServingNetwork load(Snapshot snapshot) throws SnapshotException {
        if (engine == Engine.ONNX && snapshot.hasOnnx() && OnnxGate.canCheck(snapshot.manifest())) {
            byte[] onnx = snapshot.onnxBytes();
            return new OnnxNetwork(onnx, OnnxGate.open(snapshot.manifest(), onnx));
        }
        CheckedNetwork checked = SnapshotVerifier.checked(snapshot, false);
        if (engine == Engine.ONNX) {
            // written before manifests carried probe outputs, or without a graph: rare, so the graph loads twice
            return new OnnxNetwork(checked.onnx(), OnnxGate.open(checked.network(), checked.onnx(),
                snapshot.manifest().id()));
        }
        return new Dl4jNetwork(checked.network(), checked.onnx());
    }

    /** One DL4J network, used by one request at a time (the pool sees to that). */
    private record Dl4jNetwork(Network network, byte[] onnx) implements ServingNetwork, ForwardingPredictor {
        @Override
        public Predictor delegate() {
            return network;
        }

        @Override
        public String platform() {
            return "distillery_dl4j";
        }

        @Override
        public ServingNetwork copy() {
            return new Dl4jNetwork(network.copy(), onnx);
        }
    }

    /**
     * A predictor on the graph's ONNX Runtime session; copies share the session, which is released when the last
     * of them is closed (retired).
     */
    private record OnnxNetwork(byte[] onnx, OnnxPredictor delegate) implements ServingNetwork, ForwardingPredictor {
        @Override
        public String platform() {
            return "onnxruntime_onnx";
        }

        @Override
        public ServingNetwork copy() {
            return new OnnxNetwork(onnx, delegate.share());
        }
    }
}
