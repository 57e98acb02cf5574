package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.CLASSES;
import static io.distillery.serving.ServingFixtures.FEATURES;
import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.metrics.RoleMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Many verified swaps while clients hammer infer over loopback HTTP. The fake networks fail if two
 * requests share one, and their first logit is their version, so each answer shows which model
 * computed it.
 */
class SwapStormTest {
    private static final int SWAPS = 150;
    private static final int CLIENTS = 4;

    @Test
    void shouldAnswerEveryRequestWhileSwappingAndNeverGoBackInVersion() throws Exception {
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger answered = new AtomicInteger();
        AtomicBoolean feeding = new AtomicBoolean(true);
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = ServingFixtures.service(ServingFixtures.settings(null, 2, 3), metrics)) {
            feed(service, snapshot(1, FEATURES, CLASSES, "slow"));
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                int rows = c % 2 == 0 ? 1 : 8;
                Thread t = new Thread(() -> hammer(new TestClient(service.url()), rows, feeding, failures, answered));
                clients.add(t);
                t.start();
            }
            for (long v = 2; v <= SWAPS; v++) {
                feed(service, snapshot(v, FEATURES, CLASSES, "slow"));
                Thread.sleep(2);
            }
            feeding.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }

            assertThat(failures).isEmpty();
            assertThat(answered.get()).isGreaterThan(CLIENTS * 10);
            assertThat(service.state().currentVersion()).isEqualTo(SWAPS);
            assertThat(metrics.registry().find("distill.hot.swaps").counter().count()).isEqualTo(SWAPS);
        }
    }

    private static void hammer(TestClient client, int rows, AtomicBoolean feeding, Queue<String> failures,
                               AtomicInteger answered) {
        long last = 0;
        String body = TestClient.inferBody("storm", rows, FEATURES, 0.25f);
        // a few requests after the last swap, so the final version is seen too
        int after = 5;
        while (feeding.get() || after-- > 0) {
            TestClient.Answer a = client.post("v2/models/student/infer", body);
            if (a.status() != 200) {
                failures.add(a.status() + " " + a.body());
                return;
            }
            JsonNode json = a.json();
            long version = Long.parseLong(json.path("model_version").asText());
            JsonNode data = json.path("outputs").get(0).path("data");
            for (int r = 0; r < rows; r++) {
                if (data.get(r * CLASSES).asLong() != version) {
                    failures.add("row " + r + " computed by " + data.get(r * CLASSES) + ", reported " + version);
                }
            }
            if (version < last) {
                failures.add("version went back from " + last + " to " + version);
            }
            last = version;
            answered.incrementAndGet();
        }
    }
}
