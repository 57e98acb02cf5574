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
 */
public record ConfigKey(String name, String defaultValue, String doc) {
    private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9]*(\\.[a-z0-9]+)*");

    public ConfigKey {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(doc, "doc");
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("config key name must be dotted lower case, was '" + name + "'");
        }
    }

    /** The environment variable that sets this key. */
    public String envName() {
        return Config.ENV_PREFIX + name.toUpperCase(java.util.Locale.ROOT).replace('.', '_');
    }
}
