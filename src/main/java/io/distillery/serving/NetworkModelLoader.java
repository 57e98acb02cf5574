package io.distillery.serving;

import io.distillery.model.Network;
import io.distillery.modelstore.SnapshotLoader;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;

/**
 * Loads DL4J student networks with {@link SnapshotLoader} (shape check, deserialize, test prediction)
 * and adapts them to {@link ServingNetwork}. Stateless and thread-safe.
 */
public final class NetworkModelLoader implements ModelLoader {
    private final SnapshotLoader loader = new SnapshotLoader();

    @Override
    public ServingNetwork load(Snapshot snapshot, int expectedInputs, int expectedOutputs) throws SnapshotException {
        return new Adapter(loader.load(snapshot, expectedInputs, expectedOutputs));
    }

    /** One network, used by one request at a time (the pool sees to that). */
    private static final class Adapter implements ServingNetwork {
        private final Network network;

        Adapter(Network network) {
            this.network = network;
        }

        @Override
        public int inputs() {
            return network.inputs();
        }

        @Override
        public int outputs() {
            return network.outputs();
        }

        @Override
        public float[][] logits(float[][] rows) {
            return network.logits(rows);
        }

        @Override
        public ServingNetwork copy() {
            return new Adapter(network.copy());
        }
    }
}
