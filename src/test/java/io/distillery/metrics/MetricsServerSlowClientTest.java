package io.distillery.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.service.Health;
import io.distillery.service.HealthCheck;
import io.distillery.testing.RawHttp;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Clients that stall mid-request do not keep {@code /health} and {@code /metrics} from being answered. */
class MetricsServerSlowClientTest {
    /** The probe timeout of the manifests (k8s/base, timeoutSeconds). */
    private static final int PROBE_TIMEOUT_MS = 3000;

    @Test
    void shouldAnswerHealthAndMetricsWhileTwentyClientsStallMidRequest() throws Exception {
        HealthCheck part = new HealthCheck() {
            @Override
            public String name() {
                return "loop";
            }

            @Override
            public Health health() {
                return Health.up("working");
            }
        };
        List<Socket> stalled = new ArrayList<>();
        try (RoleMetrics metrics = new RoleMetrics("teacher");
             MetricsServer server = MetricsServer.start(metrics, "127.0.0.1", 0, () -> List.of(part))) {
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket("127.0.0.1", server.port());
                s.getOutputStream().write('G');
                s.getOutputStream().flush();
                stalled.add(s);
            }
            try (RawHttp probe = new RawHttp("127.0.0.1", server.port(), PROBE_TIMEOUT_MS)) {
                RawHttp.Response health = probe.exchange(RawHttp.request("GET", "/health", null));
                assertThat(health.status()).isEqualTo(200);
                assertThat(health.text()).startsWith("ok\n");
                assertThat(probe.exchange(RawHttp.request("GET", "/metrics", null)).status()).isEqualTo(200);
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }
}
