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
}
