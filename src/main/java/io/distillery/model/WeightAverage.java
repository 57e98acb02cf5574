package io.distillery.model;

/**
 * An exponential moving average of a network's weights (a temporal ensemble): after each training step
 * {@code average = decay·average + (1 − decay)·live}. The average of the recent weights generalizes better
 * than the last step's weights, and changes smoothly from snapshot to snapshot. {@code decay = 0} turns it
 * off: the live network is the one emitted. Not thread-safe: the training thread owns it.
 */
public final class WeightAverage {
    private final double decay;
    private Network average;

    /** @param decay in [0, 1); 0 = off */
    public WeightAverage(double decay) {
        if (!(decay >= 0 && decay < 1)) {
            throw new IllegalArgumentException("weight average decay must be in [0, 1), was " + decay);
        }
        this.decay = decay;
    }

    /** Folds the live weights in after a step; the first call starts from a copy of them. */
    public void update(Network live) {
        if (decay == 0) {
            return;
        }
        if (average == null) {
            average = live.copy();
        } else {
            average.averageToward(live, decay);
        }
    }

    /** The network to publish: the average when on and started, else {@code live}. */
    public Network emitted(Network live) {
        return average == null ? live : average;
    }
}
