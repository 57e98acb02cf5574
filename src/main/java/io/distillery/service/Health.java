package io.distillery.service;

import java.util.Objects;

/**
 * The state of one part of a role, as {@code /health} reports it.
 *
 * @param healthy whether the part works as it should
 * @param detail what it is doing, or what is wrong (never {@code null})
 */
public record Health(boolean healthy, String detail) {
    public Health {
        Objects.requireNonNull(detail, "detail");
    }

    public static Health up(String detail) {
        return new Health(true, detail);
    }

    public static Health down(String detail) {
        return new Health(false, detail);
    }
}
