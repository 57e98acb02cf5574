package io.distillery.spec;

/**
 * The names of the roles: the subcommand that runs each, the {@code role} tag of every metric series
 * of its process, and the role written into the snapshots it publishes.
 */
public final class Roles {
    public static final String TEACHER = "teacher";
    public static final String STUDENT = "student";
    public static final String MONITOR = "monitor";
    public static final String SERVE = "serve";

    private Roles() {
    }
}
