package io.distillery.teacher;

import io.distillery.model.Network;
import io.distillery.model.ReplayBuffer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies a {@link DriftResponse} to the trainer's own network and buffer: during a response the
 * learning rate is the base rate times the boost, stale records are flushed once (from the replay buffer and
 * the publish gate's held-out window), and the optimizer state is reset when configured; afterwards the base
 * rate returns. Runs on the trainer's thread.
 */
public final class AdaptiveTraining implements TrainerAdaptation {
    private static final Logger LOG = LoggerFactory.getLogger(AdaptiveTraining.class);

    private final DriftResponse response;
    private final double baseLearningRate;
    private double windowFlush;

    public AdaptiveTraining(DriftResponse response, double baseLearningRate) {
        this.response = response;
        this.baseLearningRate = baseLearningRate;
    }

    @Override
    public void onLabeledRecords(int n, Network network, ReplayBuffer buffer) {
        response.onLabeledRecords(n);
        if (response.takeFlushRequest()) {
            int dropped = buffer.flushOldest(response.flushFraction());
            LOG.info("drift: flushed the {} oldest records from the teacher's replay buffer", dropped);
            windowFlush = response.flushFraction();
        }
        if (response.takeResetOptimizerRequest()) {
            network.resetUpdaterState();
            LOG.info("drift: reset the teacher's optimizer state");
        }
        double lr = baseLearningRate * response.learningRateMultiplier();
        if (network.learningRate() != lr) {
            network.setLearningRate(lr);
        }
    }

    /** The flush fraction once after a drift flushed the buffer, so the gate's window drops its stale rows too. */
    @Override
    public double takeWindowFlush() {
        double f = windowFlush;
        windowFlush = 0;
        return f;
    }
}
