package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import io.distillery.snapshot.Rejection;
import org.junit.jupiter.api.Test;

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
}
