package io.distillery.bench;

import io.distillery.spec.DriftSignal;
import java.util.List;

/**
 * The benchmark's measures of one run, computed from its {@link RunData}. Phases are ranges of input
 * positions: warm-up [0, settle), stable before [settle, drift), transition [drift, drift + settle),
 * stable after [drift + settle, records).
 */
final class RunResult {
    /** A range of input positions, [from, to). */
    record Phase(String name, long from, long to) {
        long length() {
            return to - from;
        }
    }

    /** Where a drift signal fired, mapped to the input position of the evaluation that fired it. */
    record Detection(DriftSignal signal, long inputPosition) {
    }

    final RunData d;
    final long driftAt;
    final long window;
    final double threshold;
    final Phase before;
    final Phase transition;
    final Phase after;

    RunResult(RunData d, BenchOptions o, double threshold) {
        this.d = d;
        this.driftAt = o.driftAt();
        this.window = o.windowRecords();
        this.threshold = threshold;
        this.before = new Phase("stable before", o.settle(), o.driftAt());
        this.transition = new Phase("transition", o.driftAt(), o.driftAt() + o.settle());
        this.after = new Phase("stable after", o.driftAt() + o.settle(), o.records());
    }

    long unlabeledLogits(Phase p) {
        long n = 0;
        for (long i = p.from; i < p.to; i++) {
            n += d.unlabeledLogits[(int) i] ? 1 : 0;
        }
        return n;
    }

    long unlabeledRecords(Phase p) {
        long n = 0;
        for (long i = p.from; i < p.to; i++) {
            n += d.labeledInput[(int) i] ? 0 : 1;
        }
        return n;
    }

    Phase all() {
        return new Phase("all", 0, d.records);
    }

    /** Top-1 student-teacher agreement over the evaluated records of a phase. */
    double agreement(Phase p) {
        long n = 0;
        long a = 0;
        for (long i = p.from; i < p.to; i++) {
            if (d.evaluated[(int) i]) {
                n++;
                a += d.agree[(int) i] ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : (double) a / n;
    }

    /** Prequential accuracy (evaluated before training) on the labeled records of a phase. */
    double accuracy(Phase p, boolean student) {
        long n = 0;
        long c = 0;
        for (long i = p.from; i < p.to; i++) {
            int k = (int) i;
            if (d.evaluated[k] && d.labeled[k]) {
                n++;
                c += (student ? d.studentCorrect[k] : d.teacherCorrect[k]) ? 1 : 0;
            }
        }
        return n == 0 ? Double.NaN : (double) c / n;
    }

    /** Every drift signal of one kind, with the input position of the evaluation that fired it. */
    List<Detection> detections(String signal) {
        return d.signals.stream().filter(s -> s.signal().equals(signal))
            .map(s -> new Detection(s, positionOf(s))).toList();
    }

    /** The first detection at or after the drift, or null. */
    Detection firstAfterDrift(String signal) {
        return detections(signal).stream().filter(x -> x.inputPosition >= driftAt).findFirst().orElse(null);
    }

    long falseAlarms(String signal) {
        return detections(signal).stream().filter(x -> x.inputPosition < driftAt).count();
    }

    /**
     * Records produced from the drift until the teacher's feedback follower heard the first relevant drift
     * report after it (includes every pipeline delay), or -1 when none came.
     */
    long heardAfterRecords() {
        synchronized (d) {
            return d.heardAtProduced.stream().filter(p -> p > driftAt).findFirst().map(p -> p - driftAt).orElse(-1L);
        }
    }

    long heardAfterMs() {
        synchronized (d) {
            for (int i = 0; i < d.heardAtProduced.size(); i++) {
                if (d.heardAtProduced.get(i) > driftAt) {
                    return d.heardAfterMs.get(i);
                }
            }
            return -1;
        }
    }

    /**
     * Records from the drift to the end of the first window (of {@link #window} input records, counted
     * from the drift) whose agreement is at or above the threshold after some window fell below it: 0 when
     * none fell below, -1 when agreement was still below at the end.
     */
    long recoveryRecords() {
        boolean dipped = false;
        for (long from = driftAt; from + window <= d.records; from += window) {
            double a = agreement(new Phase("w", from, from + window));
            if (a < threshold) {
                dipped = true;
            } else if (dipped) {
                return from + window - driftAt;
            }
        }
        return dipped ? -1 : 0;
    }

    /** The lowest window agreement after the drift. */
    double minWindowAgreementAfterDrift() {
        double min = 1;
        for (long from = driftAt; from + window <= d.records; from += window) {
            min = Math.min(min, agreement(new Phase("w", from, from + window)));
        }
        return min;
    }

    private long positionOf(DriftSignal s) {
        boolean labeledOnly = s.signal().equals(DriftSignal.TEACHER_ERROR);
        long best = -1;
        long bestGap = Long.MAX_VALUE;
        for (int i = 0; i < d.records; i++) {
            if (!d.evaluated[i] || (labeledOnly && !d.labeled[i])) {
                continue;
            }
            long gap = Math.abs(d.eventTimeMs[i] - s.eventTimeMs());
            if (gap < bestGap) { // the first of equal event times: records of one millisecond are neighbours
                best = i;
                bestGap = gap;
            }
        }
        return best;
    }
}
