package io.distillery.testing;

import io.distillery.records.FeedbackMessage;
import io.distillery.spec.DriftSignal;
import java.util.Arrays;
import java.util.List;

/** Feedback messages as the monitor writes them, for tests of the teacher's reactions. */
public final class FeedbackMessages {
    private FeedbackMessages() {
    }

    /** A window report of {@code count} records, every class at the same agreement. */
    public static FeedbackMessage window(double agreement, long count, int classes) {
        double[] perClass = new double[classes];
        Arrays.fill(perClass, agreement);
        long[] counts = new long[classes];
        Arrays.fill(counts, count / classes);
        counts[0] += count % classes;
        return window(agreement, perClass, counts);
    }

    /** A window report with the given per-class agreement and counts; count is their sum. */
    public static FeedbackMessage window(double agreement, double[] perClassAgreement, long[] perClassCount) {
        long count = Arrays.stream(perClassCount).sum();
        return new FeedbackMessage(0, 10_000, count, count / 10, 0.1, agreement, 0.9, 0.95, perClassAgreement,
            perClassCount, List.of());
    }

    /** A drift report as the monitor writes it the moment ADWIN fires on the teacher's error. */
    public static FeedbackMessage drift(int classes) {
        return FeedbackMessage.drift(5_000, classes,
            List.of(new DriftSignal("ADWIN", DriftSignal.TEACHER_ERROR, 1234, 5_000)));
    }
}
