package io.distillery.feedback;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.MonitorSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.spec.Roles;
import java.time.Clock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The monitor's counters whose label values are known up front exist at 0 before the first event. */
class FeedbackMetricsTest {

    @Test
    void shouldExposeEveryDriftDetectionAndRejectReasonAtZeroFromTheStart() {
        try (RoleMetrics metrics = new RoleMetrics(Roles.MONITOR)) {
            new FeedbackMetrics(metrics, Roles.MONITOR, 3, 5_000, Clock.systemUTC());
            String scrape = metrics.scrape();
            for (List<String> d : DriftProcessor.DETECTIONS) {
                assertThat(scrape).contains("distill_drift_detections_total{detector=\"" + d.get(0)
                    + "\",role=\"monitor\",signal=\"" + d.get(1) + "\"} 0.0");
            }
            for (String reason : MonitorTopology.REJECT_REASONS) {
                assertThat(scrape).contains("distill_records_rejected_total{reason=\"" + reason
                    + "\",role=\"monitor\"} 0.0");
            }
        }
    }

    @Test
    void shouldListEveryPairTheDriftProcessorWatches() {
        DriftProcessor p = new DriftProcessor(MonitorSettings.from(Config.defaults()), new MonitorListener() { });
        assertThat(p.watched()).containsExactlyInAnyOrderElementsOf(DriftProcessor.DETECTIONS);
    }
}
