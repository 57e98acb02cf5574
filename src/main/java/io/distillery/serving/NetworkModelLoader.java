package io.distillery.serving;

import io.distillery.model.Network;
import io.distillery.snapshot.Snapshot;

/** Loads DL4J student networks and adapts them to {@link ServingNetwork}. Stateless and thread-safe. */
public final class NetworkModelLoader implements ModelLoader {
    @Override
    public ServingNetwork load(Snapshot snapshot) {
        return new Adapter(Network.fromBytes(snapshot.modelBytes()));
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
