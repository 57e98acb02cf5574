package io.distillery.app;

import io.distillery.records.FeedbackMessage;
import io.distillery.records.Heartbeat;
import io.distillery.spec.Models;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.IntStream;

/**
 * What {@code status} reads from the topics ({@link Observed}) and what it makes of it: the problems
 * that make it exit non-zero, each naming the role or instance at fault. Pure: no Kafka, no clock.
 */
final class PipelineStatus {
    /** Intervals without a heartbeat after which an instance is silent. */
    static final int SILENT_INTERVALS = 3;
    /** The interval assumed for a heartbeat that names none, ms. */
    static final long DEFAULT_INTERVAL_MS = 5_000;

    private PipelineStatus() {
    }

    /**
     * When a state counts as wrong.
     *
     * @param snapshotMaxAgeMs a model whose newest snapshot is older than this is stale
     * @param windowMaxAgeMs feedback windows have stopped when the newest is older than this
     * @param lagWindowMs heartbeats of this last span are compared to tell whether a lag grows
     * @param lagGrowth records a lag must grow by, without ever falling, over that span
     * @param roles the roles that must have an instance reporting
     */
    record Limits(long snapshotMaxAgeMs, long windowMaxAgeMs, long lagWindowMs, long lagGrowth, List<String> roles) {
        Limits {
            roles = List.copyOf(roles);
        }
    }

    /** A message and when it was written (the record's timestamp), epoch ms. */
    record Seen<T>(T value, long timeMs) {
    }

    /** A model's snapshot or checkpoint as its message says: the version and the format it is written in. */
    record Published(long version, int format) {
    }

    /**
     * The pipeline as its topics show it.
     *
     * @param nowMs when it was read, epoch ms
     * @param snapshots the newest snapshot by model ({@code teacher}, {@code student})
     * @param checkpoints the newest checkpoint by model: what a restart resumes from with its optimizer state
     * @param heartbeats the heartbeats of each instance still on the topic (key role/instance), oldest first
     * @param groupLag the consumer lag of each group, records, summed over its partitions
     * @param window the newest feedback window, or {@code null}
     * @param drift the newest drift report, or {@code null}
     * @param deadLetters dead letters written in the last hour, by reason
     * @param deadLettersComplete false when reading them stopped at its bound before the end
     */
    record Observed(long nowMs, Map<String, Seen<Published>> snapshots, Map<String, Seen<Published>> checkpoints,
                    Map<String, List<Heartbeat>> heartbeats,
                    Map<String, Long> groupLag, Seen<FeedbackMessage> window, Seen<FeedbackMessage> drift,
                    Map<String, Long> deadLetters, boolean deadLettersComplete) {
    }

    /** An instance as its last heartbeat shows it. */
    record Instance(Heartbeat last, long ageMs, boolean silent) {
    }

    /** The observation and the problems found in it (empty: all is well). */
    record Report(Observed observed, List<Instance> instances, List<String> problems) {
        boolean ok() {
            return problems.isEmpty();
        }
    }

    static Report assess(Observed o, Limits limits) {
        List<String> problems = new ArrayList<>();
        for (String model : List.of(Models.TEACHER, Models.STUDENT)) {
            Seen<Published> s = o.snapshots().get(model);
            if (s == null) {
                problems.add(model + ": no snapshot yet");
            } else if (o.nowMs() - s.timeMs() > limits.snapshotMaxAgeMs()) {
                problems.add(model + ": no snapshot for " + age(o.nowMs() - s.timeMs()));
            }
            String resume = s == null ? null : resumeProblem(s.value().version(), o.checkpoints().get(model));
            if (resume != null) {
                problems.add(model + ": " + resume);
            }
        }
        List<Instance> instances = instances(o);
        for (String role : limits.roles()) {
            if (instances.stream().noneMatch(i -> i.last().role().equals(role))) {
                problems.add(role + ": no instance reporting");
            }
        }
        for (Instance i : instances) {
            String name = i.last().key();
            if (i.silent()) {
                problems.add(name + ": silent for " + age(i.ageMs()));
            } else if (!i.last().healthy()) {
                problems.add(name + ": unhealthy: " + i.last().partsDown());
            }
            String growth = lagGrowth(o.heartbeats().get(name), o.nowMs(), limits);
            if (growth != null) {
                problems.add(name + ": consumer lag growing: " + growth);
            }
            if (!i.silent()) {
                formatProblems(i.last(), o.snapshots()).forEach(p -> problems.add(name + ": " + p));
            }
        }
        if (o.window() == null) {
            problems.add("monitor: no feedback window yet");
        } else if (o.nowMs() - o.window().timeMs() > limits.windowMaxAgeMs()) {
            problems.add("monitor: no feedback window for " + age(o.nowMs() - o.window().timeMs()));
        }
        return new Report(o, instances, List.copyOf(problems));
    }

    private static List<Instance> instances(Observed o) {
        List<Instance> out = new ArrayList<>();
        o.heartbeats().values().stream().filter(h -> !h.isEmpty()).map(h -> h.get(h.size() - 1))
            .sorted(Comparator.comparing(Heartbeat::role).thenComparing(Heartbeat::instance))
            .forEach(last -> {
                long age = o.nowMs() - last.timeMs();
                long interval = last.intervalMs() > 0 ? last.intervalMs() : DEFAULT_INTERVAL_MS;
                out.add(new Instance(last, age, age > SILENT_INTERVALS * interval));
            });
        return out;
    }

    /**
     * How the lag grew when the heartbeats of the last span say it never fell and rose by at least the
     * limit over at least half the span; else {@code null}.
     */
    static String lagGrowth(List<Heartbeat> history, long nowMs, Limits limits) {
        if (history == null) {
            return null;
        }
        List<Heartbeat> recent = history.stream()
            .filter(h -> h.lag() >= 0 && nowMs - h.timeMs() <= limits.lagWindowMs()).toList();
        if (recent.size() < 3) {
            return null;
        }
        Heartbeat first = recent.get(0);
        Heartbeat last = recent.get(recent.size() - 1);
        boolean neverFell = IntStream.range(1, recent.size()).allMatch(i -> recent.get(i).lag() >= recent.get(i - 1).lag());
        long span = last.timeMs() - first.timeMs();
        if (!neverFell || span * 2 < limits.lagWindowMs() || last.lag() - first.lag() < limits.lagGrowth()) {
            return null;
        }
        return first.lag() + " -> " + last.lag() + " records in " + age(span);
    }

    /**
     * The models this instance holds whose newest snapshot is in a format newer than it reads: it refuses them (and
     * goes on with the version it has) until it is upgraded or the writer writes an older format. Nothing for an
     * instance whose heartbeat does not say which formats it reads.
     */
    static List<String> formatProblems(Heartbeat last, Map<String, Seen<Published>> snapshots) {
        List<String> out = new ArrayList<>();
        if (last.snapshotFormat() <= 0) {
            return out;
        }
        new TreeMap<>(last.versions()).keySet().forEach(model -> {
            Seen<Published> s = snapshots.get(model);
            if (s != null && s.value().format() > last.snapshotFormat()) {
                out.add("reads snapshot formats up to " + last.snapshotFormat() + ", the newest " + model
                    + " snapshot (v" + s.value().version() + ") is format " + s.value().format()
                    + ": upgrade it, or set snapshot.write.format=" + last.snapshotFormat() + " on the " + model
                    + " role, which writes them");
            }
        });
        return out;
    }

    /**
     * Why a restart would resume without the optimizer state, or null: the newest checkpoint is missing or older than
     * the newest snapshot, which a restart then resumes from (the snapshot carries no optimizer state).
     */
    static String resumeProblem(long snapshotVersion, Seen<Published> checkpoint) {
        if (checkpoint == null) {
            return "no checkpoint: a restart resumes from snapshot v" + snapshotVersion
                + " with a fresh optimizer state";
        }
        if (checkpoint.value().version() < snapshotVersion) {
            return "newest checkpoint v" + checkpoint.value().version() + " is older than snapshot v" + snapshotVersion
                + ": a restart resumes from the snapshot with a fresh optimizer state";
        }
        return null;
    }

    /** The three classes the student agrees on least in a window, lowest first (classes without records left out). */
    static List<Integer> worstClasses(FeedbackMessage window) {
        double[] agreement = window.perClassAgreement();
        return IntStream.range(0, agreement.length).filter(c -> !Double.isNaN(agreement[c])).boxed()
            .sorted(Comparator.comparingDouble((Integer c) -> agreement[c]).thenComparing(c -> c)).limit(3).toList();
    }

    /** A duration as people say it: "42 s", "12 min", "3 h". */
    static String age(long ms) {
        long s = Math.max(0, ms) / 1000;
        if (s < 120) {
            return s + " s";
        }
        return s < 7200 ? s / 60 + " min" : s / 3600 + " h";
    }
}
