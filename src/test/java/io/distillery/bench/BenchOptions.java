package io.distillery.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Command-line options of {@link FeedbackBenchmark}, {@code --name value} pairs; {@code --set key=value}
 * (repeatable) overrides any configuration key in both runs.
 *
 * @param records input records per run
 * @param rate records per second of the paced producer
 * @param labeledFraction share of records that keep their label
 * @param seed seed of the synthetic stream and of the label choice
 * @param driftAt position of the abrupt drift
 * @param settle records after the start and after the drift left out of the stable phases
 * @param holdout fresh post-drift records in the held-out set
 * @param windowMs monitor window, ms (also the width, in input records at {@code rate}, of the
 *     benchmark's own agreement windows)
 * @param runs the runs in order, each {@code on} or {@code off} (feedback.enabled)
 * @param overrides extra configuration for both runs
 */
record BenchOptions(long records, double rate, double labeledFraction, long seed, long driftAt, long settle,
                    int holdout, long windowMs, List<String> runs, Map<String, String> overrides) {

    BenchOptions {
        if (records <= 0 || !(rate > 0) || driftAt <= settle || driftAt + settle >= records) {
            throw new IllegalArgumentException("need records > 0, rate > 0 and settle < drift-at < records - settle,"
                + " were " + records + ", " + rate + ", " + settle + ", " + driftAt);
        }
        for (String r : runs) {
            if (!r.equals("on") && !r.equals("off")) {
                throw new IllegalArgumentException("--runs takes on and off, was " + r);
            }
        }
    }

    /** Input records per agreement window: what the producer writes in one monitor window. */
    long windowRecords() {
        return Math.max(1, Math.round(rate * windowMs / 1000.0));
    }

    static BenchOptions parse(String[] args) {
        Map<String, String> v = new LinkedHashMap<>();
        Map<String, String> overrides = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            String name = args[i];
            if (!name.startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --name value, got " + name);
            }
            String value = args[++i];
            if (name.equals("--set")) {
                int eq = value.indexOf('=');
                if (eq <= 0) {
                    throw new IllegalArgumentException("--set takes key=value, was " + value);
                }
                overrides.put(value.substring(0, eq), value.substring(eq + 1));
            } else {
                v.put(name.substring(2), value);
            }
        }
        long records = Long.parseLong(v.getOrDefault("records", "100000"));
        BenchOptions o = new BenchOptions(records, Double.parseDouble(v.getOrDefault("rate", "1000")),
            Double.parseDouble(v.getOrDefault("labeled-fraction", "0.1")), Long.parseLong(v.getOrDefault("seed", "42")),
            Long.parseLong(v.getOrDefault("drift-at", Long.toString(records / 2))),
            Long.parseLong(v.getOrDefault("settle", "20000")), Integer.parseInt(v.getOrDefault("holdout", "10000")),
            Long.parseLong(v.getOrDefault("window-ms", "1000")), List.of(v.getOrDefault("runs", "off,on").split(",")),
            overrides);
        v.keySet().removeAll(List.of("records", "rate", "labeled-fraction", "seed", "drift-at", "settle", "holdout",
            "window-ms", "runs"));
        if (!v.isEmpty()) {
            throw new IllegalArgumentException("unknown options " + v.keySet());
        }
        return o;
    }
}
