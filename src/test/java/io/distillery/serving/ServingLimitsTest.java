package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.ServeSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.testing.RawHttp;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The serving instance's bounds against load and slow clients: a bounded wait for the model, probes always answered. */
class ServingLimitsTest {
    /** The probe timeout of the serve manifests (k8s/base/serve.yaml, timeoutSeconds). */
    private static final int PROBE_TIMEOUT_MS = 3000;

    private static ServeSettings settings(int threads, int queue) {
        return new ServeSettings("127.0.0.1", 0, threads, 64 * 1024, null, 3, null, 64, queue, 100);
    }

    @Test
    void shouldAnswer503AtOnceWhenEveryInferSlotIsTaken() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean();
        ModelLoader gated = s -> new GatedNetwork(FakeNetwork.LOADER.load(s), armed, entered, release);
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = new ServeService(settings(1, 0), ServingFixtures.DATA, ServingFixtures.CODEC,
                 gated, metrics, null)) {
            service.start();
            feed(service, snapshot(1));
            armed.set(true);
            TestClient client = new TestClient(service.url());
            CompletableFuture<TestClient.Answer> running = CompletableFuture.supplyAsync(
                () -> client.post("v2/models/student/infer", TestClient.inferBody("a", 1, 8, 1f)));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();

            TestClient.Answer refused = client.post("v2/models/student/infer", TestClient.inferBody("b", 1, 8, 1f));
            release.countDown();

            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.error()).contains("busy: 1 infer requests are running or waiting");
            assertThat(running.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
        }
    }

    @Test
    void shouldAnswerProbesWhileSlowClientsStallAndTheModelIsBusy() throws Exception {
        CountDownLatch entered = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean();
        ModelLoader gated = s -> new GatedNetwork(FakeNetwork.LOADER.load(s), armed, entered, release);
        List<Socket> stalled = new ArrayList<>();
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = new ServeService(settings(2, 4), ServingFixtures.DATA, ServingFixtures.CODEC,
                 gated, metrics, null)) {
            service.start();
            feed(service, snapshot(1));
            armed.set(true);
            TestClient client = new TestClient(service.url());
            List<CompletableFuture<TestClient.Answer>> busy = new ArrayList<>();
            for (int i = 0; i < 2; i++) {
                busy.add(CompletableFuture.supplyAsync(
                    () -> client.post("v2/models/student/infer", TestClient.inferBody("x", 1, 8, 1f))));
            }
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            for (int i = 0; i < 20; i++) {
                Socket s = new Socket("127.0.0.1", service.port());
                s.getOutputStream().write('P');
                s.getOutputStream().flush();
                stalled.add(s);
            }
            try (RawHttp probe = new RawHttp("127.0.0.1", service.port(), PROBE_TIMEOUT_MS)) {
                for (String path : List.of("/v2/health/live", "/v2/health/ready", "/metrics")) {
                    RawHttp.Response r = probe.exchange(RawHttp.request("GET", path, null));
                    assertThat(r.status()).as(path).isEqualTo(200);
                }
            }
            release.countDown();
            for (CompletableFuture<TestClient.Answer> b : busy) {
                assertThat(b.get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
            }
        } finally {
            for (Socket s : stalled) {
                s.close();
            }
        }
    }

    @Test
    void shouldRefuseBodiesOverTheLimitWithoutReadingThemWhole() throws Exception {
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = ServingFixtures.service(settings(1, 1), metrics)) {
            feed(service, snapshot(1));
            try (RawHttp http = new RawHttp("127.0.0.1", service.port(), PROBE_TIMEOUT_MS)) {
                // declared: refused on the header, before any of the body is sent
                http.send(("POST /v2/models/student/infer HTTP/1.1\r\nHost: x\r\nContent-Length: 100000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                assertThat(http.read().status()).isEqualTo(413);
            }
            try (RawHttp http = new RawHttp("127.0.0.1", service.port(), PROBE_TIMEOUT_MS)) {
                // chunked: read up to the limit only, while the client is still sending
                http.send(("POST /v2/models/student/infer HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
                byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
                http.send(chunk);
                http.send(chunk);
                RawHttp.Response r = http.read();
                assertThat(r.status()).isEqualTo(413);
                assertThat(r.text()).contains("over serve.max.body.bytes=65536");
            }
            try (RawHttp http = new RawHttp("127.0.0.1", service.port(), PROBE_TIMEOUT_MS)) {
                // a chunk size over 2^31 - 1: the JDK's reader throws IndexOutOfBoundsException, once a 500
                RawHttp.Response r = http.exchange(("POST /v2/models/student/infer HTTP/1.1\r\nHost: x\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\nffffffff\r\nabc").getBytes(StandardCharsets.US_ASCII));
                assertThat(r.status()).isEqualTo(400);
                assertThat(r.text()).contains("a chunk size is out of range");
            }
        }
    }
}
