package io.distillery.serving;

import io.distillery.snapshot.SnapshotManifest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Bodies of the metadata answers. Versions are strings, as the Open Inference Protocol writes them;
 * an absent version is {@code null}.
 */
final class Metadata {
    private Metadata() {
    }

    /**
     * OIP model metadata plus the served, previous and candidate versions, the pin state, the last refusal,
     * the promotion mode and scores, and the served snapshot. The platform is the served model's engine
     * ({@link ServingNetwork#platform()}), {@code null} before the first.
     */
    static Map<String, Object> model(String name, int features, int classes, ModelRegistry.State state,
                                     ServedModel current, String promotion, Map<String, Map<String, Double>> scores) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("versions", state.heldVersions().stream().map(String::valueOf).toList());
        m.put("platform", current == null ? null : current.platform());
        m.put("inputs", List.of(tensor("input", "FP32", -1, features)));
        m.put("outputs", List.of(tensor("logits", "FP32", -1, classes), tensor("probabilities", "FP32", -1, classes),
            tensor("predicted_class", "INT64", -1)));
        m.putAll(state(state));
        m.put("promotion", promotion);
        m.put("scores", scores);
        m.put("snapshot", current == null ? null : snapshot(current.manifest()));
        return m;
    }

    static Map<String, Object> state(ModelRegistry.State s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("current_version", version(s.currentVersion()));
        m.put("previous_version", version(s.previousVersion()));
        m.put("candidate_version", version(s.candidateVersion()));
        m.put("pinned", s.pinned());
        m.put("pinned_by", s.pin().tag());
        m.put("held_versions", s.heldVersions().stream().map(String::valueOf).toList());
        m.put("last_refusal", refusal(s.lastRefusal()));
        return m;
    }

    private static Map<String, Object> refusal(ModelRegistry.Refusal r) {
        if (r == null) {
            return null;
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("version", Long.toString(r.version()));
        m.put("reason", r.reason());
        m.put("at_ms", r.atMs());
        return m;
    }

    static Map<String, Object> server(String version) {
        return Map.of("name", "distillery", "version", version, "extensions", List.of(BinaryTensors.EXTENSION));
    }

    private static Map<String, Object> snapshot(SnapshotManifest s) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", s.id());
        m.put("version", Long.toString(s.version()));
        m.put("parent_teacher_version", s.parentTeacherVersion());
        m.put("created_at_ms", s.createdAtMs());
        m.put("config_hash", s.configHash());
        return m;
    }

    private static Map<String, Object> tensor(String name, String datatype, int... shape) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("datatype", datatype);
        m.put("shape", shape);
        return m;
    }

    private static String version(long v) {
        return v < 0 ? null : Long.toString(v);
    }
}
