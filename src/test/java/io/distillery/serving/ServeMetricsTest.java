package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import io.distillery.snapshot.Rejection;
import io.distillery.spec.Roles;
import org.junit.jupiter.api.Test;

/** Serve's counters whose label values are known up front exist at 0 before the first event. */
class ServeMetricsTest {

    @Test
    void shouldRegisterEveryRejectionReasonAtZero() {
        try (RoleMetrics metrics = new RoleMetrics()) {
            new ServeMetrics(metrics, "student");

            for (Rejection reason : Rejection.values()) {
                var counter = metrics.registry().find("distill.snapshots.rejected")
                        .tag("reason", reason.tag()).counter();
                assertThat(counter).as(reason.tag()).isNotNull();
                assertThat(counter.count()).isZero();
            }
            assertThat(metrics.scrape()).contains("reason=\"onnx_mismatch\"");
        }
    }

    @Test
    void shouldExposeEveryEndpointAndStatusClassAtZeroFromTheStart() {
        try (RoleMetrics metrics = new RoleMetrics(Roles.SERVE)) {
            new ServeMetrics(metrics, "student");
            String scrape = metrics.scrape();
            for (String endpoint : ServeMetrics.ENDPOINTS) {
                for (String status : ServeMetrics.STATUS_CLASSES) {
                    assertThat(scrape).contains("distill_serve_requests_total{endpoint=\"" + endpoint
                        + "\",role=\"serve\",status=\"" + status + "\"} 0.0");
                }
            }
        }
    }
}
