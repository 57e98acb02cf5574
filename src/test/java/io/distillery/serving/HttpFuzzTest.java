package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.ServeSettings;
import io.distillery.metrics.HttpServers;
import io.distillery.metrics.MetricsServer;
import io.distillery.metrics.RoleMetrics;
import io.distillery.testing.HttpFuzz;
import io.distillery.testing.RawHttp;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * 10,000 seeded random malformed requests and 20 stalled sockets against a serving instance under normal
 * load, on loopback: no answer is a 5xx, the normal load gets every answer, every probe of the manifests
 * (liveness, readiness, the role's /health) is answered within their timeout, the server closes every stalled
 * socket once its request timeout passes, and it still serves afterwards.
 */
class HttpFuzzTest {
    /** The probe timeout of the manifests (k8s/base/*.yaml, timeoutSeconds). */
    private static final int PROBE_TIMEOUT_MS = 3000;
    private static final int REQUESTS = 10_000;
    private static final int STALLED = 20;

    @Test
    void shouldAnswerEveryMalformedRequestWith4xxAndKeepServingAndProbing() throws Exception {
        ServeSettings settings = new ServeSettings("127.0.0.1", 0, 2, 64 * 1024, null, 3, null, 64, 16, 100);
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong served = new AtomicLong();
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        List<Thread> threads = new ArrayList<>();
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = ServingFixtures.service(settings, metrics);
             MetricsServer role = MetricsServer.start(metrics, "127.0.0.1", 0, () -> List.of(service))) {
            feed(service, snapshot(1));
            byte[] valid = RawHttp.request("POST", "/v2/models/student/infer",
                TestClient.inferBody("ok", 1, ServingFixtures.FEATURES, 0.5f).getBytes(StandardCharsets.US_ASCII));
            for (int c = 0; c < 2; c++) {
                threads.add(start("normal-" + c, () -> normalLoad(service.port(), valid, stop, served, failures)));
            }
            threads.add(start("prober", () -> probe(service.port(), role.port(), stop, failures)));
            long started = System.nanoTime();
            HttpFuzz.Report report;
            try (HttpFuzz fuzz = HttpFuzz.start(service.port(), ServingFixtures.FEATURES, 20_251_122, STALLED,
                REQUESTS)) {
                // 15-40 s on two cores; the bound only keeps a broken server from holding the build
                fuzz.awaitSenders(240_000);
                // long enough for every first stalled socket to reach the request timeout and be closed
                long until = started + (HttpServers.REQUEST_TIMEOUT_S + 3) * 1_000_000_000L;
                while (System.nanoTime() < until) {
                    Thread.sleep(100);
                }
                report = fuzz.stop();
            }
            stop.set(true);
            for (Thread t : threads) {
                t.join(15_000);
            }

            System.out.println("HttpFuzzTest: " + report);
            assertThat(report.requests()).isEqualTo(REQUESTS);
            assertThat(report.count5xx()).as(report.toString()).isZero();
            assertThat(report.statuses().keySet()).as(report.toString()).allMatch(s -> s < 500);
            assertThat(report.stalledClosed()).as(report.toString()).isGreaterThanOrEqualTo(STALLED);
            assertThat(failures).isEmpty();
            assertThat(served.get()).isPositive();
            try (RawHttp after = new RawHttp("127.0.0.1", service.port(), PROBE_TIMEOUT_MS)) {
                assertThat(after.exchange(valid).status()).isEqualTo(200);
            }
            assertThat(metrics.scrape().lines().filter(l -> l.contains("status=\"5xx\"")))
                .as("5xx series exist from the start, and stay at 0").isNotEmpty().allMatch(l -> l.endsWith(" 0.0"));
        }
    }

    private static Thread start(String name, Runnable body) {
        Thread t = new Thread(body, name);
        t.setDaemon(true);
        t.start();
        return t;
    }

    private static void normalLoad(int port, byte[] request, AtomicBoolean stop, AtomicLong served,
                                   ConcurrentLinkedQueue<String> failures) {
        try (RawHttp http = new RawHttp("127.0.0.1", port, 10_000)) {
            while (!stop.get()) {
                RawHttp.Response r = http.exchange(request);
                if (r.status() != 200) {
                    failures.add("normal request answered " + r.status() + ": " + r.text());
                    return;
                }
                served.incrementAndGet();
                Thread.sleep(2);
            }
        } catch (IOException e) {
            failures.add("normal load: " + e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Every 250 ms, each probe of the manifests on a fresh connection, as the kubelet sends them. */
    private static void probe(int port, int rolePort, AtomicBoolean stop, ConcurrentLinkedQueue<String> failures) {
        while (!stop.get()) {
            for (String path : List.of("/v2/health/live", "/v2/health/ready", "/health")) {
                try (RawHttp http = new RawHttp("127.0.0.1", path.equals("/health") ? rolePort : port,
                    PROBE_TIMEOUT_MS)) {
                    int status = http.exchange(RawHttp.request("GET", path, null)).status();
                    if (status != 200) {
                        failures.add(path + " answered " + status);
                    }
                } catch (IOException e) {
                    failures.add(path + " not answered within " + PROBE_TIMEOUT_MS + " ms: " + e);
                }
            }
            try {
                Thread.sleep(250);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
