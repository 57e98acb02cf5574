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
    /** The producer command, which exports metrics while it publishes. */
    public static final String PRODUCE = "produce";
    /** The demo: every role in one process, whose series share this tag. */
    public static final String DEMO = "demo";
    /** The evaluate command (its snapshot checks are counted under this tag). */
    public static final String EVALUATE = "evaluate";

    private Roles() {
    }
}
