package io.distillery.app;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.Heartbeat;
import io.distillery.spec.DriftSignal;
import io.distillery.spec.Roles;
import java.io.PrintWriter;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** A {@link PipelineStatus.Report} as text for people and as JSON for scripts; the same facts in both. */
final class StatusFormat {
    static final ObjectMapper JSON = new ObjectMapper();

    private StatusFormat() {
    }

    static void text(PipelineStatus.Report r, PrintWriter out) {
        PipelineStatus.Observed o = r.observed();
        out.printf("pipeline at %s: %s%n", Instant.ofEpochMilli(o.nowMs()), r.ok() ? "OK" : "PROBLEMS");
        r.problems().forEach(p -> out.println("  ! " + p));
        versions("snapshots", o.snapshots(), o.nowMs(), out);
        versions("checkpoints", o.checkpoints(), o.nowMs(), out);
        if (r.instances().isEmpty()) {
            out.println("instances: none reporting");
        } else {
            out.printf("%-8s %-28s %8s %-7s %-24s %8s %s%n", "ROLE", "INSTANCE", "SEEN", "HEALTH", "VERSIONS", "LAG",
                "STATE");
        }
        for (PipelineStatus.Instance i : r.instances()) {
            Heartbeat h = i.last();
            String health = i.silent() ? "silent" : h.healthy() ? "up" : "down";
            out.printf("%-8s %-28s %8s %-7s %-24s %8s %s%n", h.role(), h.instance(),
                PipelineStatus.age(i.ageMs()) + " ago", health, join(h.versions()),
                h.lag() < 0 ? "-" : Long.toString(h.lag()), h.healthy() ? join(h.state()) : h.partsDown());
        }
        out.println("consumer lag: " + (o.groupLag().isEmpty() ? "no groups" : join(o.groupLag())));
        if (o.window() != null) {
            FeedbackMessage w = o.window().value();
            out.printf(Locale.ROOT, "feedback window ending %s (%s ago): %d evaluations, agreement %.3f, student"
                    + " accuracy %.3f, teacher accuracy %.3f, worst classes %s%n", Instant.ofEpochMilli(w.windowEndMs()),
                PipelineStatus.age(o.nowMs() - o.window().timeMs()), w.count(), w.agreement(), w.studentAccuracy(),
                w.teacherAccuracy(), PipelineStatus.worstClasses(w).stream()
                    .map(c -> String.format(Locale.ROOT, "%d (%.3f)", c, w.perClassAgreement()[c]))
                    .collect(Collectors.joining(", ")));
        }
        if (o.drift() != null) {
            out.printf("last drift %s ago: %s; teacher response: %s%n", PipelineStatus.age(o.nowMs() - o.drift().timeMs()),
                o.drift().value().drifts().stream().map(d -> d.detector() + "/" + d.signal())
                    .collect(Collectors.joining(", ")), teacherState(r));
        } else {
            out.println("last drift: none on the topic");
        }
        out.println("dead letters, last hour: " + (o.deadLetters().isEmpty() ? "none" : join(o.deadLetters()))
            + (o.deadLettersComplete() ? "" : " (stopped counting at the read bound)"));
        out.flush();
    }

    static ObjectNode json(PipelineStatus.Report r) {
        PipelineStatus.Observed o = r.observed();
        ObjectNode root = JSON.createObjectNode();
        root.put("nowMs", o.nowMs());
        root.put("ok", r.ok());
        r.problems().forEach(root.putArray("problems")::add);
        versions(root.putObject("snapshots"), o.snapshots(), o.nowMs());
        versions(root.putObject("checkpoints"), o.checkpoints(), o.nowMs());
        ArrayNode instances = root.putArray("instances");
        for (PipelineStatus.Instance i : r.instances()) {
            Heartbeat h = i.last();
            ObjectNode n = instances.addObject().put("role", h.role()).put("instance", h.instance())
                .put("ageMs", i.ageMs()).put("silent", i.silent()).put("healthy", h.healthy()).put("lag", h.lag())
                .put("snapshotFormat", h.snapshotFormat());
            new TreeMap<>(h.versions()).forEach(n.putObject("versions")::put);
            new TreeMap<>(h.parts()).forEach(n.putObject("parts")::put);
            new TreeMap<>(h.state()).forEach(n.putObject("state")::put);
        }
        new TreeMap<>(o.groupLag()).forEach(root.putObject("consumerLag")::put);
        ObjectNode feedback = root.putObject("feedback");
        if (o.window() != null) {
            FeedbackMessage w = o.window().value();
            ObjectNode n = feedback.putObject("window").put("ageMs", o.nowMs() - o.window().timeMs())
                .put("windowStartMs", w.windowStartMs()).put("windowEndMs", w.windowEndMs()).put("count", w.count())
                .put("agreement", w.agreement()).put("studentAccuracy", w.studentAccuracy())
                .put("teacherAccuracy", w.teacherAccuracy());
            ArrayNode worst = n.putArray("worstClasses");
            PipelineStatus.worstClasses(w).forEach(c -> worst.addObject().put("class", c)
                .put("agreement", w.perClassAgreement()[c]));
        }
        if (o.drift() != null) {
            ObjectNode n = feedback.putObject("drift").put("ageMs", o.nowMs() - o.drift().timeMs());
            ArrayNode signals = n.putArray("signals");
            for (DriftSignal d : o.drift().value().drifts()) {
                signals.addObject().put("detector", d.detector()).put("signal", d.signal())
                    .put("eventTimeMs", d.eventTimeMs());
            }
        }
        ObjectNode dead = root.putObject("deadLetters").put("complete", o.deadLettersComplete());
        new TreeMap<>(o.deadLetters()).forEach(dead.putObject("lastHourByReason")::put);
        return root;
    }

    /** A line of the newest version of each model on one kind of topic: {@code label: model vN (age ago) ...}. */
    private static void versions(String label, Map<String, PipelineStatus.Seen<PipelineStatus.Published>> newest,
                                 long nowMs, PrintWriter out) {
        out.print(label + ":");
        new TreeMap<>(newest).forEach((model, s) -> out.printf(" %s v%d (%s ago)", model, s.value().version(),
            PipelineStatus.age(nowMs - s.timeMs())));
        out.println(newest.isEmpty() ? " none yet" : "");
    }

    /** The same as JSON, with the format: {@code {model: {version, format, ageMs}}}. */
    private static void versions(ObjectNode into, Map<String, PipelineStatus.Seen<PipelineStatus.Published>> newest,
                                 long nowMs) {
        new TreeMap<>(newest).forEach((model, s) -> into.putObject(model).put("version", s.value().version())
            .put("format", s.value().format()).put("ageMs", nowMs - s.timeMs()));
    }

    /** The teacher instances' emission share and drift responses, as their heartbeats last said. */
    private static String teacherState(PipelineStatus.Report r) {
        String s = r.instances().stream().filter(i -> i.last().role().equals(Roles.TEACHER))
            .map(i -> i.last().instance() + " " + join(i.last().state())).collect(Collectors.joining("; "));
        return s.isEmpty() ? "no teacher reporting" : s;
    }

    private static String join(Map<String, ?> values) {
        if (values.isEmpty()) {
            return "-";
        }
        return new TreeMap<>(values).entrySet().stream().map(e -> e.getKey() + "=" + number(e.getValue()))
            .collect(Collectors.joining(" "));
    }

    private static String number(Object v) {
        return v instanceof Double d ? String.format(Locale.ROOT, d == Math.rint(d) ? "%.0f" : "%.3f", d) : String.valueOf(v);
    }
}
