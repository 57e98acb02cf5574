package io.distillery.bench;

import io.distillery.config.FeedbackSettings;
import io.distillery.spec.DriftSignal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Issue 4's measured comparison: the same seeded drifting stream through the whole pipeline twice, with
 * {@code feedback.enabled} off and on, each on a fresh in-process broker with every role in this process;
 * prints a markdown table. Run it with {@code bench/feedback.sh}; options in {@link BenchOptions}.
 */
public final class FeedbackBenchmark {
    private FeedbackBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        BenchOptions o = BenchOptions.parse(args);
        Path tmp = Files.createTempDirectory("fbbench-config");
        double threshold = FeedbackSettings.from(PipelineRun.config(o, "localhost:1", true, tmp)).agreementThreshold();
        List<RunResult> results = new ArrayList<>();
        List<String> loads = new ArrayList<>();
        for (String run : o.runs()) {
            String loadBefore = loadAverage();
            System.err.printf("== run with feedback %s: %,d records at %.0f/s, drift at %,d (load %s)%n", run,
                o.records(), o.rate(), o.driftAt(), loadBefore);
            RunData data = new PipelineRun(o, run.equals("on")).run();
            loads.add("feedback " + run + ": " + loadBefore + " before, " + loadAverage() + " after");
            results.add(new RunResult(data, o, threshold));
        }
        Files.deleteIfExists(tmp);
        System.out.println(report(o, results, loads));
    }

    static String report(BenchOptions o, List<RunResult> runs, List<String> loads) {
        StringBuilder s = new StringBuilder();
        RunResult any = runs.get(0);
        s.append(String.format(Locale.ROOT, "%,d records at %.0f/s, %.0f%% labeled, seed %d, abrupt drift at %,d; "
                + "phases: stable before [%,d, %,d), transition [%,d, %,d), stable after [%,d, %,d); "
                + "agreement windows of %,d records; held-out: %,d fresh post-drift records%n%n", o.records(), o.rate(),
            100 * o.labeledFraction(), o.seed(), o.driftAt(), any.before.from(), any.before.to(),
            any.transition.from(), any.transition.to(), any.after.from(), any.after.to(), o.windowRecords(),
            o.holdout()));
        s.append("| measure |");
        runs.forEach(r -> s.append(" feedback ").append(r.d.feedback ? "on" : "off").append(" |"));
        s.append("\n| --- |");
        runs.forEach(r -> s.append(" ---: |"));
        s.append('\n');
        row(s, runs, "unlabeled logits emitted, all records", r -> count(r.unlabeledLogits(r.all()), r.unlabeledRecords(r.all())));
        row(s, runs, "unlabeled logits, stable before", r -> count(r.unlabeledLogits(r.before), r.unlabeledRecords(r.before)));
        row(s, runs, "unlabeled logits, stable after", r -> count(r.unlabeledLogits(r.after), r.unlabeledRecords(r.after)));
        row(s, runs, "student agreement: before / transition / after",
            r -> triple(r.agreement(r.before), r.agreement(r.transition), r.agreement(r.after)));
        row(s, runs, "student prequential accuracy: before / transition / after",
            r -> triple(r.accuracy(r.before, true), r.accuracy(r.transition, true), r.accuracy(r.after, true)));
        row(s, runs, "teacher prequential accuracy: before / transition / after",
            r -> triple(r.accuracy(r.before, false), r.accuracy(r.transition, false), r.accuracy(r.after, false)));
        row(s, runs, "drift to detection (teacher-error), input records", FeedbackBenchmark::detection);
        row(s, runs, "teacher-error false alarms before the drift", r -> Long.toString(r.falseAlarms(DriftSignal.TEACHER_ERROR)));
        row(s, runs, "drift to the teacher hearing it, records produced (ms)",
            FeedbackBenchmark::heard);
        row(s, runs, "drift to window agreement back >= " + any.threshold + ", records", FeedbackBenchmark::recovery);
        row(s, runs, "final student accuracy, held-out post-drift", r -> f3(r.d.holdoutStudentAccuracy));
        row(s, runs, "final teacher accuracy / student-teacher agreement, held-out",
            r -> f3(r.d.holdoutTeacherAccuracy) + " / " + f3(r.d.holdoutAgreement));
        row(s, runs, "drift responses started (emitter)", r -> String.format(Locale.ROOT, "%.0f", r.d.metricDriftResponses));
        row(s, runs, "max lag after warm-up: emitter / student, records", r -> String.format(Locale.ROOT, "%,d / %,d", r.d.maxEmitterLag, r.d.maxStudentLag));
        row(s, runs, "producer time / run time, s", r -> String.format(Locale.ROOT, "%.1f / %.1f", r.d.producerSeconds, r.d.runSeconds));
        s.append('\n');
        if (runs.size() == 2 && runs.get(0).d.feedback != runs.get(1).d.feedback) {
            RunResult off = runs.get(0).d.feedback ? runs.get(1) : runs.get(0);
            RunResult on = runs.get(0).d.feedback ? runs.get(0) : runs.get(1);
            double rb = (double) off.unlabeledLogits(off.before) / Math.max(1, on.unlabeledLogits(on.before));
            double ra = (double) off.unlabeledLogits(off.after) / Math.max(1, on.unlabeledLogits(on.after));
            RunResult.Detection det = on.firstAfterDrift(DriftSignal.TEACHER_ERROR);
            s.append(String.format(Locale.ROOT, "Targets: stable-phase unlabeled logits off/on = %.1fx before, %.1fx after "
                    + "(target >= 3x); detection %s input records after the drift with feedback on (target <= 2,000); "
                    + "held-out student accuracy on %.3f vs off %.3f (target: no worse).%n", rb, ra,
                det == null ? "never" : String.format(Locale.ROOT, "%,d", det.inputPosition() - on.driftAt),
                on.d.holdoutStudentAccuracy, off.d.holdoutStudentAccuracy));
        }
        runs.forEach(r -> s.append(String.format(Locale.ROOT, "Checks (feedback %s): %,d logits messages, metric "
                + "unlabeled emitted %.0f, skipped %.0f, %,d duplicate evaluations, final student v%d.%n",
            r.d.feedback ? "on" : "off", r.d.logitsMessages, r.d.metricUnlabeledEmitted, r.d.metricSkipped,
            r.d.duplicateEvals, r.d.studentVersion)));
        s.append("Load average (1, 5, 15 min): ").append(String.join("; ", loads)).append('\n');
        return s.toString();
    }

    private static void row(StringBuilder s, List<RunResult> runs, String name, Function<RunResult, String> cell) {
        s.append("| ").append(name).append(" |");
        runs.forEach(r -> s.append(' ').append(cell.apply(r)).append(" |"));
        s.append('\n');
    }

    private static String detection(RunResult r) {
        RunResult.Detection d = r.firstAfterDrift(DriftSignal.TEACHER_ERROR);
        return d == null ? "never" : String.format(Locale.ROOT, "%,d (%s)", d.inputPosition() - r.driftAt,
            d.signal().detector());
    }

    private static String heard(RunResult r) {
        long n = r.heardAfterRecords();
        if (n < 0) {
            return "never";
        }
        boolean done = n >= r.d.records - r.driftAt; // heard only after the producer had finished
        return String.format(Locale.ROOT, "%s%,d (%,d ms)", done ? ">= " : "", n, r.heardAfterMs());
    }

    private static String recovery(RunResult r) {
        long rec = r.recoveryRecords();
        String min = "min " + f3(r.minWindowAgreementAfterDrift());
        return rec < 0 ? "not by the end (" + min + ")" : rec == 0 ? "no dip (" + min + ")"
            : String.format(Locale.ROOT, "%,d (%s)", rec, min);
    }

    private static String count(long n, long of) {
        return String.format(Locale.ROOT, "%,d (%.1f%%)", n, 100.0 * n / Math.max(1, of));
    }

    private static String triple(double a, double b, double c) {
        return f3(a) + " / " + f3(b) + " / " + f3(c);
    }

    private static String f3(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    private static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + ", " + f[1] + ", " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }
}
