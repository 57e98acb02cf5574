package io.distillery.teacher;

import io.distillery.model.Network;
import io.distillery.model.ReplayBuffer;

/**
 * How the trainer's learning changes with feedback: called by the trainer's thread after each batch
 * of new labeled records, with the network and buffer it owns, so a drift response can raise the
 * learning rate, reset the optimizer state or flush stale records.
 */
public interface TrainerAdaptation {
    /** No adaptation. */
    TrainerAdaptation NONE = (n, network, buffer) -> { };

    void onLabeledRecords(int n, Network network, ReplayBuffer buffer);

    /**
     * Asked after each {@link #onLabeledRecords}: the share of the oldest rows of the publish gate's held-out
     * window to drop now, because a drift made them stale (as the oldest of the buffer); 0 for none.
     */
    default double takeWindowFlush() {
        return 0;
    }
}
