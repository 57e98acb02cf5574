package io.distillery.config;

import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Raw configuration: text values by key, merged from four sources in this order of precedence:
 * command-line flags, environment ({@code DISTILL_…}), a properties file, and each key's default.
 *
 * <p>Keys under {@code kafka.} are passed to the Kafka clients untouched (prefix removed), so
 * {@code kafka.security.protocol=SASL_SSL} and the rest of Kafka's client settings work as Kafka users
 * expect. Any other key must be declared in {@link ConfigKeys}; an unknown key fails at start-up, so a
 * misspelt key is never silently ignored. Immutable and thread-safe. Typed getters throw
 * {@link ConfigException} naming the key and the bad value.
 */
public final class Config {
    public static final String ENV_PREFIX = "DISTILL_";
    public static final String KAFKA_PREFIX = "kafka.";

    private final Map<String, String> values;
    private final Map<String, String> origins;

    private Config(Map<String, String> values, Map<String, String> origins) {
        this.values = Collections.unmodifiableMap(new TreeMap<>(values));
        this.origins = Collections.unmodifiableMap(new TreeMap<>(origins));
    }

    /** Only defaults. */
    public static Config defaults() {
        return load(Map.of(), Map.of(), null);
    }

    /** Defaults overridden by the given values (for tests and embedded use). */
    public static Config of(Map<String, String> values) {
        return load(values, Map.of(), null);
    }

    /**
     * Merges the sources.
     *
     * @param flags values given on the command line (highest precedence)
     * @param env the process environment; only {@code DISTILL_} variables are read
     * @param file a properties file, or {@code null}
     * @throws ConfigException when the file cannot be read or a key is unknown
     */
    public static Config load(Map<String, String> flags, Map<String, String> env, Path file) {
        Map<String, String> values = new TreeMap<>();
        Map<String, String> origins = new TreeMap<>();
        if (file != null) {
            readFile(file).forEach((k, v) -> put(values, origins, k, v, "file " + file));
        }
        env.forEach((name, v) -> {
            if (name.startsWith(ENV_PREFIX) && name.length() > ENV_PREFIX.length()) {
                put(values, origins, keyOfEnv(name), v, "env " + name);
            }
        });
        flags.forEach((k, v) -> put(values, origins, k, v, "flag"));
        List<String> unknown = new ArrayList<>();
        for (String key : values.keySet()) {
            if (!key.startsWith(KAFKA_PREFIX) && !ConfigKeys.isKnown(key)) {
                unknown.add(key + " (from " + origins.get(key) + ")");
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException("unknown configuration key(s): " + String.join(", ", unknown)
                + "; see 'distillery config' for the known keys");
        }
        return new Config(values, origins);
    }

    /** The value set for the key, else its default (may be {@code null} when the key has none). */
    public String get(ConfigKey key) {
        return values.getOrDefault(key.name(), key.defaultValue());
    }

    /** Where the key's value came from: "flag", "env NAME", "file PATH" or "default". */
    public String origin(ConfigKey key) {
        return origins.getOrDefault(key.name(), "default");
    }

    public String getString(ConfigKey key) {
        String v = get(key);
        if (v == null || v.isBlank()) {
            throw new ConfigException(key.name() + " must be set");
        }
        return v.trim();
    }

    public int getInt(ConfigKey key) {
        String v = getString(key);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key.name(), v, "must be an integer");
        }
    }

    public long getLong(ConfigKey key) {
        String v = getString(key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key.name(), v, "must be an integer");
        }
    }

    public double getDouble(ConfigKey key) {
        String v = getString(key);
        try {
            double d = Double.parseDouble(v);
            if (!Double.isFinite(d)) {
                throw ConfigException.invalid(key.name(), v, "must be a finite number");
            }
            return d;
        } catch (NumberFormatException e) {
            throw ConfigException.invalid(key.name(), v, "must be a number");
        }
    }

    public boolean getBoolean(ConfigKey key) {
        String v = getString(key).toLowerCase(Locale.ROOT);
        return switch (v) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw ConfigException.invalid(key.name(), v, "must be true or false");
        };
    }

    /** A comma-separated list of integers, e.g. {@code 512,256}; empty text is an empty list. */
    public List<Integer> getIntList(ConfigKey key) {
        String v = get(key);
        List<Integer> out = new ArrayList<>();
        if (v == null || v.isBlank()) {
            return List.of();
        }
        for (String part : v.split(",")) {
            try {
                out.add(Integer.parseInt(part.trim()));
            } catch (NumberFormatException e) {
                throw ConfigException.invalid(key.name(), v, "must be a comma-separated list of integers");
            }
        }
        return List.copyOf(out);
    }

    /** The {@code kafka.*} keys with the prefix removed, for the Kafka clients. */
    public Map<String, Object> kafkaProperties() {
        Map<String, Object> out = new TreeMap<>();
        values.forEach((k, v) -> {
            if (k.startsWith(KAFKA_PREFIX)) {
                out.put(k.substring(KAFKA_PREFIX.length()), v);
            }
        });
        return out;
    }

    /** Every value explicitly set (not defaults), sorted by key: the input of a config hash. */
    public Map<String, String> explicitValues() {
        return values;
    }

    /** A copy of this configuration with more values set on top (highest precedence). */
    public Config with(Map<String, String> overrides) {
        Map<String, String> v = new TreeMap<>(values);
        Map<String, String> o = new TreeMap<>(origins);
        overrides.forEach((k, val) -> put(v, o, k, val, "flag"));
        return new Config(v, o);
    }

    static String keyOfEnv(String envName) {
        return envName.substring(ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static void put(Map<String, String> values, Map<String, String> origins, String key, String value,
                            String origin) {
        String k = key.trim();
        values.put(k, value == null ? "" : value.trim());
        origins.put(k, origin);
    }

    private static Map<String, String> readFile(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new ConfigException("cannot read config file " + file + ": " + e.getMessage());
        }
        Map<String, String> out = new TreeMap<>();
        p.stringPropertyNames().forEach(n -> out.put(n, p.getProperty(n)));
        return out;
    }
}
