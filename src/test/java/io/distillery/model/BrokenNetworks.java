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
}
