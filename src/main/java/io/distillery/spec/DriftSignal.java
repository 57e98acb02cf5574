package io.distillery.spec;

import java.util.Objects;

/**
 * One change found by one of the monitor's detectors.
 *
 * @param detector the detector's name ({@code ADWIN}, {@code PageHinkley})
 * @param signal what it watches: {@link #TEACHER_ERROR} (0-1 error of the teacher on labeled records) or
 *     {@link #DIVERGENCE} (KL of student from teacher on every record)
 * @param position 0-based index, in the monitor's sequence of evaluated records, of the record at which
 *     the detector fired
 * @param eventTimeMs event time of that record, epoch milliseconds
 */
public record DriftSignal(String detector, String signal, long position, long eventTimeMs) {
    public static final String TEACHER_ERROR = "teacher-error";
    public static final String DIVERGENCE = "divergence";

    public DriftSignal {
        Objects.requireNonNull(detector, "detector");
        Objects.requireNonNull(signal, "signal");
        if (position < 0) {
            throw new IllegalArgumentException("drift position must not be negative, was " + position);
        }
    }
}
