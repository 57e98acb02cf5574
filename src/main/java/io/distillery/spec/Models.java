package io.distillery.spec;

/**
 * The names of the two models: the key of their snapshots on the snapshot topics, the {@code model}
 * tag of their metric series, and the model name in the serving API's paths.
 */
public final class Models {
    public static final String TEACHER = "teacher";
    public static final String STUDENT = "student";

    private Models() {
    }
}
