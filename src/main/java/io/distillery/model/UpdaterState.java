package io.distillery.model;

import org.deeplearning4j.nn.api.Updater;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.BooleanIndexing;
import org.nd4j.linalg.indexing.conditions.Conditions;

/**
 * Keeps a network's optimizer state out of float's subnormal range. Where a weight's gradient is zero step after
 * step (the weights of pixels that are background in every image, of a ReLU unit that does not fire), Adam's
 * moment estimates decay geometrically and pass through the subnormal numbers below 1.2e-38, on which x86
 * arithmetic is many times slower: on Fashion-MNIST batches the default student's steps take 1.08-1.17× as long
 * once 2-3% of its Adam state is subnormal ({@code bench/run io.distillery.model.AdamStepCost}), and twice as
 * long in a replay on random inputs that left a third of it subnormal (docs/measurements.md). Values below
 * {@value #TINY} are set to zero instead, which changes no update: Adam divides the first moment by the square
 * root of the second plus 1e-8, so a first moment under 1e-30 moves a weight by less than 1e-22 of the learning
 * rate, and a second moment under 1e-30 is under the 1e-8.
 */
final class UpdaterState {
    /** Optimizer steps between two flushes. */
    static final int FLUSH_EVERY = 64;
    /** State values of smaller magnitude are set to zero. */
    static final double TINY = 1e-30;

    private UpdaterState() {
    }

    /** After optimizer step {@code step}: flushes the state on every {@code every}-th step (0 = never). */
    static void afterStep(MultiLayerNetwork net, long step, int every) {
        if (every > 0 && step % every == 0) {
            flushTiny(net);
        }
    }

    /** Sets every value of the network's updater state below {@link #TINY} in magnitude to zero, in place. */
    static void flushTiny(MultiLayerNetwork net) {
        Updater updater = net.getUpdater(false);
        INDArray state = updater == null ? null : updater.getStateViewArray();
        if (state != null) {
            BooleanIndexing.replaceWhere(state, 0.0, Conditions.absLessThan(TINY));
        }
    }
}
