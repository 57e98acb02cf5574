package io.distillery.config;

/** Range checks for settings records; each failure names the key and the bad value. */
public final class Checks {
    private Checks() {
    }

    public static void positive(ConfigKey key, long value) {
        if (value <= 0) {
            throw ConfigException.invalid(key.name(), value, "must be > 0");
        }
    }

    public static void positive(ConfigKey key, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw ConfigException.invalid(key.name(), value, "must be > 0");
        }
    }

    public static void notNegative(ConfigKey key, long value) {
        if (value < 0) {
            throw ConfigException.invalid(key.name(), value, "must not be negative");
        }
    }

    public static void atLeast(ConfigKey key, long value, long min) {
        if (value < min) {
            throw ConfigException.invalid(key.name(), value, "must be >= " + min);
        }
    }

    public static void inRange(ConfigKey key, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw ConfigException.invalid(key.name(), value, "must be in [" + min + ", " + max + "]");
        }
    }

    public static void port(ConfigKey key, int value) {
        if (value < 0 || value > 65535) {
            throw ConfigException.invalid(key.name(), value, "must be a port in [0, 65535]");
        }
    }

    public static void notBlank(ConfigKey key, String value) {
        if (value == null || value.isBlank()) {
            throw ConfigException.invalid(key.name(), value, "must not be blank");
        }
    }
}
