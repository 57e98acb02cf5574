package io.distillery.config;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * One configuration key: its dotted lower-case name, its single default and one line of doc.
 *
 * <p>Every key the service reads is declared once as a constant of the settings record of its concern
 * and listed in {@link ConfigKeys}. The environment variable of a key is {@code DISTILL_} followed by
 * the name in upper case with dots as underscores ({@code student.batch.size} reads
 * {@code DISTILL_STUDENT_BATCH_SIZE}).
 *
 * @param name dotted lower-case name, e.g. {@code student.batch.size}
 * @param defaultValue the default as text, or {@code null} when the key has no default (optional)
 * @param doc one line saying what the key does, with its unit
 * @param secret whether the value is a credential: never printed, left out of the config hash
 *     (see {@link Secrets})
 */
public record ConfigKey(String name, String defaultValue, String doc, boolean secret) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z0-9]+)*");

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(doc, "doc");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("config key name must be dotted lower case, was '" + name + "'");
        }
    }

    /** A key that is not a secret. */
    public ConfigKey(String name, String defaultValue, String doc) {
        this(name, defaultValue, doc, false);
    }

    /** A key whose value is a credential; it has no default. */
    public static ConfigKey secret(String name, String doc) {
        return new ConfigKey(name, null, doc, true);
    }

    /** The environment variable that sets this key. */
    public String envName() {
        return Config.ENV_PREFIX + name.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }
}
