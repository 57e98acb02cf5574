package io.distillery.config;

import java.util.List;

/**
 * FitNets-style hints: when the weight is above 0, the teacher's emitter adds its last hidden layer to every
 * logits message (format 2) and the student learns a linear projection of its own last hidden layer onto it.
 * Both roles read the same key.
 *
 * @param weight weight of the hint loss (L2, halved) beside the distillation loss; 0 = no hints
 */
public record HintSettings(double weight) {
    public static final ConfigKey WEIGHT = new ConfigKey("student.hint.weight", "0",
        "weight of the FitNets hint loss on the teacher's last hidden layer (> 0 also makes the emitter send that "
            + "layer with every logits message); 0 = no hints");
    public static final List<ConfigKey> KEYS = List.of(WEIGHT);

    public HintSettings {
        if (!(weight >= 0) || Double.isInfinite(weight)) {
            throw ConfigException.invalid(WEIGHT.name(), weight, "must be finite and >= 0");
        }
    }

    public static HintSettings from(Config c) {
        return new HintSettings(c.getDouble(WEIGHT));
    }

    public boolean enabled() {
        return weight > 0;
    }
}
