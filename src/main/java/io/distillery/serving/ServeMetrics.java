package io.distillery.serving;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.snapshot.Rejection;
import io.distillery.spec.Roles;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The serve role's meters from the {@link Metrics} catalog, created once. Thread-safe; never throws
 * into the request path.
 */
final class ServeMetrics {

    private final RoleMetrics metrics;
    private final String model;
    /** The route names InferenceServer counts requests under, each at 0 from the start. */
    static final List<String> ENDPOINTS = List.of("live", "ready", "server_metadata", "metrics", "admin",
        "model_metadata", "model_ready", "model_onnx", "infer", "other");
    static final List<String> STATUS_CLASSES = List.of("2xx", "4xx", "5xx");

    private final Map<String, Counter> requests = new ConcurrentHashMap<>();
    private final Counter hotSwaps;
    private final Timer single;
    private final Timer batch;
    private final RoleMetrics.GaugeValue version;
    private final RoleMetrics.GaugeValue previousVersion;
    private final RoleMetrics.GaugeValue pinned;
    private final RoleMetrics.GaugeValue candidateVersion;
    private final Map<String, Counter> candidates = new ConcurrentHashMap<>();
    private final Counter rollbacks;
    private final Map<String, RoleMetrics.GaugeValue> scores = new ConcurrentHashMap<>();
    private final Counter teacherRows;
    private final Counter shadowRows;
    private final Counter shadowDropped;
    /** The outcomes of a candidate, the slots and measures of the scores: each series exists from the start. */
    static final List<String> OUTCOMES = List.of("promoted", "refused", "replaced");
    static final List<String> SLOTS = List.of("served", "previous", "candidate");
    static final List<String> MEASURES = List.of("teacher_agreement", "accuracy", "shadow_agreement");

    ServeMetrics(RoleMetrics metrics, String model) {
        this.metrics = metrics;
        this.model = model;
        // every reason from the start, at 0, so that an alert on its rate has a series to read
        for (Rejection r : Rejection.values()) {
            metrics.counter(Metrics.SNAPSHOTS_REJECTED, Roles.SERVE, model, r.tag());
        }
        metrics.zeroCounters(Metrics.SERVE_REQUESTS, Roles.SERVE, List.of(ENDPOINTS, STATUS_CLASSES));
        hotSwaps = metrics.counter(Metrics.HOT_SWAPS, Roles.SERVE, model);
        single = metrics.timer(Metrics.PREDICT_LATENCY, Roles.SERVE, "single");
        batch = metrics.timer(Metrics.PREDICT_LATENCY, Roles.SERVE, "batch");
        version = metrics.gauge(Metrics.SNAPSHOT_VERSION, Roles.SERVE, model);
        previousVersion = metrics.gauge(Metrics.SERVE_PREVIOUS_VERSION, Roles.SERVE);
        pinned = metrics.gauge(Metrics.SERVE_PINNED, Roles.SERVE);
        candidateVersion = metrics.gauge(Metrics.SERVE_CANDIDATE_VERSION, Roles.SERVE);
        for (String outcome : OUTCOMES) {
            candidates.put(outcome, metrics.counter(Metrics.SERVE_CANDIDATES, Roles.SERVE, outcome));
        }
        rollbacks = metrics.counter(Metrics.SERVE_ROLLBACKS, Roles.SERVE);
        for (String slot : SLOTS) {
            for (String measure : MEASURES) {
                scores.put(slot + ' ' + measure, metrics.gauge(Metrics.SERVE_SCORE, Roles.SERVE, slot, measure));
            }
        }
        teacherRows = metrics.counter(Metrics.SERVE_SCORED_ROWS, Roles.SERVE, "teacher");
        shadowRows = metrics.counter(Metrics.SERVE_SCORED_ROWS, Roles.SERVE, "shadow");
        shadowDropped = metrics.counter(Metrics.SERVE_SHADOW_DROPPED, Roles.SERVE);
        state(new ModelRegistry.State(-1, -1, ModelRegistry.Pin.NONE, List.of(), -1, null));
    }

    RoleMetrics registry() {
        return metrics;
    }

    /** Counts one answered request; {@code endpoint} comes from a fixed set of route names. */
    void request(String endpoint, int status) {
        String key = endpoint + ' ' + (status / 100);
        requests.computeIfAbsent(key, k -> metrics.counter(Metrics.SERVE_REQUESTS, Roles.SERVE, endpoint,
            (status / 100) + "xx")).increment();
    }

    void latency(int rows, long nanos) {
        (rows == 1 ? single : batch).record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
    }

    void hotSwap() {
        hotSwaps.increment();
    }

    void state(ModelRegistry.State s) {
        version.set(s.currentVersion() < 0 ? Double.NaN : s.currentVersion());
        previousVersion.set(s.previousVersion() < 0 ? Double.NaN : s.previousVersion());
        pinned.set(s.pinned() ? 1 : 0);
        candidateVersion.set(s.candidateVersion() < 0 ? Double.NaN : s.candidateVersion());
    }

    /** Counts a decided candidate; {@code outcome} is one of {@link #OUTCOMES}. */
    void candidate(String outcome) {
        candidates.get(outcome).increment();
    }

    void rollback() {
        rollbacks.increment();
    }

    /** Sets a score; NaN when the slot is empty or has scored no row yet. */
    void score(String slot, String measure, double value) {
        scores.get(slot + ' ' + measure).set(value);
    }

    void scored(int teacher, int shadow) {
        teacherRows.increment(teacher);
        shadowRows.increment(shadow);
    }

    void shadowDropped() {
        shadowDropped.increment();
    }

    String model() {
        return model;
    }
}
