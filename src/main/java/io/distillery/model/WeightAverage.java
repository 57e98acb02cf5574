package io.distillery.model;

/**
 * An exponential moving average of a network's weights (a temporal ensemble): after each training step
 * {@code average = d·average + (1 − d)·live}. The average of the recent weights generalizes better than the
 * last step's weights, and changes smoothly from snapshot to snapshot. A young network is averaged over
 * fewer steps: {@code d = min(decay, (1 + steps) / (10 + steps))} with {@code steps} the live network's step
 * count, so a cold-started teacher's average is not held back by its random initial weights (0.5 at step 8,
 * 0.99 from step 890, 0.995 from step 1,790). {@code decay = 0} turns it off: the live network is the one
 * emitted. Not thread-safe: the training thread owns it.
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
            average.averageToward(live, effectiveDecay(live.steps()));
        }
    }

    /** The decay applied after the step that brought the live network to {@code steps} steps. */
    double effectiveDecay(long steps) {
        return Math.min(decay, (1.0 + steps) / (10.0 + steps));
    }

    /**
     * Starts again from an average published before a restart (a copy of {@code published} is kept); nothing when
     * the average is off.
     */
    public void resume(Network published) {
        if (decay > 0) {
            average = published.copy();
        }
    }

    /** The network to publish: the average when on and started, else {@code live}. */
    public Network emitted(Network live) {
        return average == null ? live : average;
    }
}
