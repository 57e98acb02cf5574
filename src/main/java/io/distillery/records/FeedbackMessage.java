package io.distillery.records;

import io.distillery.spec.DriftSignal;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * What the monitor tells the teacher (topic {@code distill.feedback}). Two kinds, one type:
 *
 * <ul>
 *   <li>a <b>window</b> report ({@code count > 0}, {@code drifts} empty): statistics of the evaluations
 *       whose event time falls in [{@code windowStartMs}, {@code windowEndMs}), emitted once when the
 *       window closes (end + grace);</li>
 *   <li>a <b>drift</b> report ({@code count == 0}, {@code drifts} not empty), emitted at the record at
 *       which a detector fired, without waiting for any window; its window is that record's event time
 *       (start = end) and its statistics are NaN/0. See {@link #drift}.</li>
 * </ul>
 *
 * <p>Immutable: arrays are copied in and out. Ratios are in [0, 1]; NaN means "no data".
 *
 * @param windowStartMs window start, epoch ms, inclusive
 * @param windowEndMs window end, epoch ms, exclusive
 * @param count evaluations in the window
 * @param labeledCount labeled evaluations in the window
 * @param meanKl mean KL(teacher || student), nats (NaN when count is 0)
 * @param agreement share of evaluations where student and teacher agree (NaN when count is 0)
 * @param studentAccuracy student accuracy on labeled evaluations (NaN when none)
 * @param teacherAccuracy teacher accuracy on labeled evaluations (NaN when none)
 * @param perClassAgreement agreement by the teacher's predicted class (NaN for a class with no records)
 * @param perClassCount evaluations by the teacher's predicted class
 * @param drifts drift signals carried by this message
 */
public record FeedbackMessage(long windowStartMs, long windowEndMs, long count, long labeledCount, double meanKl,
                              double agreement, double studentAccuracy, double teacherAccuracy,
                              double[] perClassAgreement, long[] perClassCount, List<DriftSignal> drifts) {

    /** @throws IllegalArgumentException when the per-class arrays differ in length or counts are negative */
    public FeedbackMessage {
        Objects.requireNonNull(perClassAgreement, "perClassAgreement");
        Objects.requireNonNull(perClassCount, "perClassCount");
        if (perClassAgreement.length != perClassCount.length) {
            throw new IllegalArgumentException("per-class arrays differ in length: " + perClassAgreement.length
                + " agreements, " + perClassCount.length + " counts");
        }
        if (count < 0 || labeledCount < 0 || labeledCount > count) {
            throw new IllegalArgumentException("counts must satisfy 0 <= labeledCount <= count, were "
                + labeledCount + " and " + count);
        }
        perClassAgreement = perClassAgreement.clone();
        perClassCount = perClassCount.clone();
        drifts = List.copyOf(drifts);
    }

    /** A drift report for signals that fired at one record, for a service with {@code classes} classes. */
    public static FeedbackMessage drift(long eventTimeMs, int classes, List<DriftSignal> drifts) {
        double[] nan = new double[classes];
        Arrays.fill(nan, Double.NaN);
        return new FeedbackMessage(eventTimeMs, eventTimeMs, 0, 0, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
            nan, new long[classes], drifts);
    }

    /** Whether this is a window report (else a drift report). */
    public boolean isWindow() {
        return count > 0;
    }

    @Override
    public double[] perClassAgreement() {
        return perClassAgreement.clone();
    }

    @Override
    public long[] perClassCount() {
        return perClassCount.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FeedbackMessage f && windowStartMs == f.windowStartMs && windowEndMs == f.windowEndMs
            && count == f.count && labeledCount == f.labeledCount && Double.compare(meanKl, f.meanKl) == 0
            && Double.compare(agreement, f.agreement) == 0
            && Double.compare(studentAccuracy, f.studentAccuracy) == 0
            && Double.compare(teacherAccuracy, f.teacherAccuracy) == 0
            && Arrays.equals(perClassAgreement, f.perClassAgreement) && Arrays.equals(perClassCount, f.perClassCount)
            && drifts.equals(f.drifts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(windowStartMs, windowEndMs, count, labeledCount, meanKl, agreement, studentAccuracy,
            teacherAccuracy, Arrays.hashCode(perClassAgreement), Arrays.hashCode(perClassCount), drifts);
    }

    @Override
    public String toString() {
        return "FeedbackMessage[window=" + windowStartMs + ".." + windowEndMs + ", count=" + count + ", labeled="
            + labeledCount + ", meanKl=" + meanKl + ", agreement=" + agreement + ", studentAccuracy="
            + studentAccuracy + ", teacherAccuracy=" + teacherAccuracy + ", perClassAgreement="
            + Arrays.toString(perClassAgreement) + ", perClassCount=" + Arrays.toString(perClassCount)
            + ", drifts=" + drifts + "]";
    }
}
