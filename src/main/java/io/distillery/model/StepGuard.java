package io.distillery.model;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.micrometer.core.instrument.Counter;
import java.util.function.ToDoubleFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps non-finite training steps out of a network. Each {@link #step} checkpoints the weights and updater
 * state, runs the step, and when its loss or the weights it leaves are not finite (a NaN or infinite loss,
 * or a gradient that overflowed into the weights) puts the checkpoint back: the step is skipped. After
 * {@code restoreAfter} such steps in a row it also restores the last good weights ({@link #markGood}: the
 * owner calls it when it publishes a snapshot; before that, the weights the guard first saw) and resets the
 * optimizer state, since steps from the current point keep failing.
 *
 * <p>Not thread-safe: the thread that trains the network owns its guard. The checkpoints are reused, so a
 * step costs one copy of the weights and updater state beside the step itself.
 */
public final class StepGuard {
    /** What became of one step. */
    public enum Outcome {
        /** The step was applied. */
        TRAINED,
        /** The step was non-finite and undone. */
        SKIPPED,
        /** The step was non-finite, undone, and the last good weights were restored. */
        RESTORED;

        public boolean applied() {
            return this == TRAINED;
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(StepGuard.class);

    private final int restoreAfter;
    private final String model;
    private final Counter undone;
    private final Counter restored;
    private Network.Checkpoint beforeStep;
    private Network.Checkpoint lastGood;
    private int inARow;
    private double loss = Double.NaN;

    /** @param restoreAfter non-finite steps in a row after which the last good weights come back, at least 1 */
    public StepGuard(int restoreAfter) {
        this(restoreAfter, "model", null, null);
    }

    private StepGuard(int restoreAfter, String model, Counter undone, Counter restored) {
        if (restoreAfter < 1) {
            throw new IllegalArgumentException("restoreAfter must be at least 1, was " + restoreAfter);
        }
        this.restoreAfter = restoreAfter;
        this.model = model;
        this.undone = undone;
        this.restored = restored;
    }

    /**
     * A guard that counts undone steps in {@code distill.training.nonfinite} and restores in {@code
     * distill.training.restores}, tagged with the role and model, and logs each restore.
     */
    public static StepGuard counted(int restoreAfter, RoleMetrics metrics, String role, String model) {
        return new StepGuard(restoreAfter, model, metrics.counter(Metrics.TRAINING_NONFINITE, role, model),
            metrics.counter(Metrics.TRAINING_RESTORES, role, model));
    }

    /**
     * Runs one step on the network unless it turns out non-finite.
     *
     * @param fit the step; answers its loss
     */
    public Outcome step(Network network, ToDoubleFunction<Network> fit) {
        if (lastGood == null) {
            lastGood = network.checkpoint(null);
        }
        beforeStep = network.checkpoint(beforeStep);
        double stepLoss = fit.applyAsDouble(network);
        if (Double.isFinite(stepLoss) && network.weightsFinite()) {
            inARow = 0;
            loss = stepLoss;
            return Outcome.TRAINED;
        }
        network.restore(beforeStep);
        if (undone != null) {
            undone.increment();
        }
        if (++inARow < restoreAfter) {
            return Outcome.SKIPPED;
        }
        inARow = 0;
        network.restore(lastGood);
        network.resetUpdaterState();
        if (restored != null) {
            restored.increment();
        }
        LOG.warn("{}: {} non-finite training steps in a row; last good weights restored, optimizer state reset",
            model, restoreAfter);
        return Outcome.RESTORED;
    }

    /** The network's current weights are good (e.g. just published): the ones to restore from now on. */
    public void markGood(Network network) {
        lastGood = network.checkpoint(lastGood);
    }

    /** The loss of the latest applied step, NaN before the first. */
    public double loss() {
        return loss;
    }
}
