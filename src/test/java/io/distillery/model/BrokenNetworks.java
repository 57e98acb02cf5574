package io.distillery.model;

/** Networks that load but do not predict: for the tests of snapshot verification outside this package. */
public final class BrokenNetworks {
    private BrokenNetworks() {
    }

    /** The bytes of a copy of {@code network} whose every parameter is NaN, so its logits are not finite. */
    public static byte[] withNaNParameters(Network network) {
        Network broken = network.copy();
        broken.dl4j().params().assign(Float.NaN);
        return broken.toBytes(false);
    }

    /**
     * A copy of {@code network} whose first hidden unit has a bias of -infinity: its weights are not finite,
     * yet the unit only outputs 0 (relu) or -1 (tanh), so every logit stays finite.
     */
    public static Network withNegativeInfiniteHiddenBias(Network network) {
        Network broken = network.copy();
        broken.dl4j().params().putScalar((long) network.inputs() * network.spec().hidden().get(0), Float.NEGATIVE_INFINITY);
        return broken;
    }
}
