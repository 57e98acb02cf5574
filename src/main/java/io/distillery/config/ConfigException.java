package io.distillery.config;

/** A configuration value that is missing, malformed or out of range; the message names the key and value. */
public final class ConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public ConfigException(String message) {
        super(message);
    }

    static ConfigException invalid(String key, Object value, String requirement) {
        return new ConfigException(key + " " + requirement + ", was " + quote(value));
    }

    private static String quote(Object value) {
        return value instanceof String ? "'" + value + "'" : String.valueOf(value);
    }
}
