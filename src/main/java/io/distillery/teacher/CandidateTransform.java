package io.distillery.teacher;

import io.distillery.model.Network;

/**
 * What becomes of a candidate teacher between training and the publish gate. The service publishes the
 * trainer's network as it is ({@link #NONE}); a test gives a transform that makes some candidates worse on
 * purpose, to show that the gate refuses them. Called on the trainer's thread, once per publish attempt; a
 * transform must not change the network it is given (it returns a changed copy), since training goes on with it.
 */
@FunctionalInterface
public interface CandidateTransform {
    /** The candidate as trained. */
    CandidateTransform NONE = (candidate, attempt) -> candidate;

    /**
     * @param candidate the trainer's network, not to be changed
     * @param attempt the publish attempt, counting from 1 since the trainer started
     * @return the network the gate judges and, if admitted, is published
     */
    Network apply(Network candidate, long attempt);
}
