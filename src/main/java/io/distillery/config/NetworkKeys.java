package io.distillery.config;

import io.distillery.spec.NetworkSpec;
import java.util.List;

/**
 * The network keys shared by teacher and student under their prefix ({@code teacher.} or
 * {@code student.}): hidden layer sizes, activation, optimizer, learning rate, batch size and seed.
 */
public record NetworkKeys(ConfigKey hidden, ConfigKey activation, ConfigKey updater, ConfigKey learningRate,
                          ConfigKey batchSize, ConfigKey seed) {

    static NetworkKeys of(String prefix, String hidden, String learningRate, String seed) {
        return new NetworkKeys(
            new ConfigKey(prefix + ".hidden", hidden, "hidden layer sizes of the " + prefix + ", comma-separated"),
            new ConfigKey(prefix + ".activation", "relu", "hidden activation: relu, leakyrelu, tanh or sigmoid"),
            new ConfigKey(prefix + ".updater", "adam", "optimizer: adam, nesterovs or sgd"),
            new ConfigKey(prefix + ".learning.rate", learningRate, "learning rate of the " + prefix + "'s optimizer"),
            new ConfigKey(prefix + ".batch.size", "128", "rows per " + prefix + " training step"),
            new ConfigKey(prefix + ".seed", seed, "seed of the " + prefix + "'s initial weights and sampling"));
    }

    List<ConfigKey> all() {
        return List.of(hidden, activation, updater, learningRate, batchSize, seed);
    }

    /** Reads and checks the network settings; errors name the key. */
    NetworkSpec spec(Config c, DataSettings data) {
        List<Integer> h = c.getIntList(hidden);
        for (int size : h) {
            Checks.positive(hidden, size);
        }
        String act = c.getString(activation).toLowerCase(java.util.Locale.ROOT);
        if (!NetworkSpec.ACTIVATIONS.contains(act)) {
            throw ConfigException.invalid(activation.name(), act, "must be one of " + NetworkSpec.ACTIVATIONS);
        }
        String upd = c.getString(updater).toLowerCase(java.util.Locale.ROOT);
        if (!NetworkSpec.UPDATERS.contains(upd)) {
            throw ConfigException.invalid(updater.name(), upd, "must be one of " + NetworkSpec.UPDATERS);
        }
        double lr = c.getDouble(learningRate);
        Checks.positive(learningRate, lr);
        return new NetworkSpec(data.features(), h, data.classes(), act, upd, lr, c.getLong(seed));
    }

    int batch(Config c) {
        int b = c.getInt(batchSize);
        Checks.positive(batchSize, b);
        return b;
    }
}
