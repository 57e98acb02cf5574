package io.distillery.spec;

/**
 * Settings of the distillation loss (Hinton et al. 2015).
 *
 * @param temperature softening temperature T of both softmaxes in the soft term, finite and {@code > 0}
 * @param alpha       weight of the soft term on labeled rows, in [0, 1]; the hard term gets
 *                    {@code 1 - alpha}. Unlabeled rows always get the full soft term.
 */
public record DistillationSpec(double temperature, double alpha) {

    public DistillationSpec {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, was " + temperature);
        }
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("alpha must be in [0, 1], was " + alpha);
        }
    }
}
