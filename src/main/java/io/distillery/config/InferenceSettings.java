package io.distillery.config;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Settings of the paths that only predict.
 *
 * @param engine {@code onnx} (ONNX Runtime on each snapshot's ONNX graph) or {@code dl4j}
 */
public record InferenceSettings(String engine) {
    public static final Set<String> ENGINES = Set.of("onnx", "dl4j");
    public static final ConfigKey ENGINE = new ConfigKey("inference.engine", "onnx",
        "engine of every predict-only path (emitter, student replay targets, serving, evaluate): onnx or dl4j");
    public static final List<ConfigKey> KEYS = List.of(ENGINE);

    public InferenceSettings {
        if (engine == null || !ENGINES.contains(engine)) {
            throw ConfigException.invalid(ENGINE.name(), engine, "must be onnx or dl4j");
        }
    }

    public static InferenceSettings from(Config c) {
        return new InferenceSettings(c.getString(ENGINE).toLowerCase(Locale.ROOT));
    }
}
