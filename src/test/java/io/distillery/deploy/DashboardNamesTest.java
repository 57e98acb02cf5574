package io.distillery.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.metrics.Metrics;
import io.distillery.testing.ExternalTool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * The dashboard and the alert rules read only metrics that exist: every {@code distill_*} name is
 * produced by the {@link Metrics} catalog, and every other name is on the short list below.
 */
class DashboardNamesTest {
    /** Names produced outside the catalog, by Prometheus itself or by Micrometer's binders. */
    private static final Set<String> OTHER_METRICS = Set.of(
        "up",                                           // Prometheus: target scraped or not
        "jvm_memory_used_bytes", "jvm_memory_max_bytes", // Micrometer JvmMemoryMetrics (RoleMetrics)
        "process_uptime_seconds",                       // Micrometer UptimeMetrics (RoleMetrics)
        "kafka_consumer_fetch_manager_records_lag_max"); // Micrometer KafkaClientMetrics / KafkaStreamsMetrics

    @Test
    void shouldReadOnlyCatalogMetricsInTheDashboard() {
        List<String> exprs = PromQueries.dashboardExprs();
        assertThat(exprs).hasSizeGreaterThan(20);
        assertThat(unknownNames(exprs)).isEmpty();
    }

    @Test
    void shouldReadOnlyCatalogMetricsInTheAlertRules() {
        List<String> exprs = PromQueries.alertExprs();
        assertThat(exprs).hasSizeGreaterThanOrEqualTo(7);
        assertThat(unknownNames(exprs)).isEmpty();
    }

    @Test
    void shouldFindMetricNamesButNotFunctionsOrLabels() {
        assertThat(PromQueries.metricNames("histogram_quantile(0.99, sum by (le, kind) "
            + "(rate(distill_predict_latency_seconds_bucket{role=\"serve\", kind=~\"a|b\"}[$__rate_interval])))"
            + " / on (kind) group_left max(up) > bool 1e-9"))
            .containsExactly("distill_predict_latency_seconds_bucket", "up");
        assertThat(unknownNames(List.of("rate(distill_records_consumed_records_total[5m])")))
            .containsExactly("distill_records_consumed_records_total");
    }

    @Test
    void shouldCoverEveryPanelTheOperatorsNeed() {
        Set<String> used = new TreeSet<>();
        PromQueries.dashboardExprs().forEach(e -> used.addAll(PromQueries.metricNames(e)));
        assertThat(used).contains("distill_records_consumed_total", "distill_records_rejected_total",
            "distill_prequential_accuracy", "distill_student_teacher_kl", "distill_student_teacher_agreement",
            "distill_window_class_agreement", "distill_logit_emission_ratio", "distill_snapshot_version",
            "distill_hot_swaps_total", "distill_snapshots_rejected_total", "distill_serve_requests_total",
            "distill_predict_latency_seconds_bucket", "kafka_consumer_fetch_manager_records_lag_max",
            "jvm_memory_used_bytes");
        JsonNode drift = null;
        for (JsonNode a : PromQueries.dashboard().path("annotations").path("list")) {
            if (a.path("expr").asText().contains("increase(distill_drift_detections_total")) {
                drift = a;
            }
        }
        assertThat(drift).as("drift detections are an annotation").isNotNull();
        assertThat(drift.path("enable").asBoolean()).isTrue();
    }

    @Test
    void shouldGiveEveryPanelAUniqueIdAPlaceAndTheTemplatedDataSource() {
        Set<Integer> ids = new HashSet<>();
        for (JsonNode p : PromQueries.dashboard().path("panels")) {
            assertThat(ids.add(p.path("id").asInt())).as("panel id %s is unique", p.path("id")).isTrue();
            assertThat(p.path("gridPos").path("w").asInt()).isBetween(1, 24);
            if (!p.path("type").asText().equals("row")) {
                assertThat(p.path("datasource").path("uid").asText()).as(p.path("title").asText())
                    .isEqualTo("${datasource}");
                assertThat(p.path("targets")).as(p.path("title").asText()).isNotEmpty();
            }
        }
    }

    @Test
    void shouldProvisionTheDataSourceTheDashboardDefaultsTo() throws IOException {
        JsonNode ds = RenderedManifests.YAML.readTree(ExternalTool.projectRoot()
            .resolve("grafana/provisioning/datasources/prometheus.yml").toFile()).path("datasources").get(0);
        JsonNode variable = PromQueries.dashboard().path("templating").path("list").get(0);
        assertThat(variable.path("name").asText()).isEqualTo("datasource");
        assertThat(variable.path("current").path("value").asText()).isEqualTo(ds.path("uid").asText());
        assertThat(ds.path("type").asText()).isEqualTo(variable.path("query").asText());
    }

    private static Set<String> unknownNames(List<String> exprs) {
        Set<String> known = new HashSet<>(OTHER_METRICS);
        Metrics.ALL.forEach(spec -> known.addAll(spec.prometheusNames()));
        List<String> used = new ArrayList<>();
        exprs.forEach(e -> used.addAll(PromQueries.metricNames(e)));
        Set<String> unknown = new TreeSet<>(used);
        unknown.removeAll(known);
        return unknown;
    }
}
