package io.distillery.model;

import java.util.Random;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Networks made worse on purpose, for tests of what must refuse them: seeded Gaussian noise on every weight. */
public final class PerturbedNetworks {
    private PerturbedNetworks() {
    }

    /** A copy of {@code network} with N(0, sigma²) noise added to each weight and bias; the original is untouched. */
    public static Network perturbed(Network network, double sigma, long seed) {
        Network copy = network.copy();
        INDArray params = copy.dl4j().params();
        Random random = new Random(seed);
        float[] noise = new float[Math.toIntExact(params.length())];
        for (int i = 0; i < noise.length; i++) {
            noise[i] = (float) (random.nextGaussian() * sigma);
        }
        params.addi(Nd4j.create(noise).reshape(params.shape()).castTo(params.dataType()));
        return copy;
    }
}
