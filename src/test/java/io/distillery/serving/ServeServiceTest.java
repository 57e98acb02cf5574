package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.config.Config;
import io.distillery.config.ConfigException;
import io.distillery.config.ConfigKeys;
import io.distillery.config.ServeSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.testing.RawHttp;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class ServeServiceTest {

    @Test
    void shouldFinishAnInFlightRequestOnTheModelItStartedWithWhileASwapHappens() throws Exception {
        CountDownLatch entered = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean armed = new AtomicBoolean();
        ModelLoader gated = s -> {
            ServingNetwork base = FakeNetwork.LOADER.load(s);
            return s.manifest().version() == 1 ? new GatedNetwork(base, armed, entered, release) : base;
        };
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = new ServeService(ServingFixtures.settings(null, 1, 3), ServingFixtures.DATA,
                 ServingFixtures.CODEC, gated, metrics, null)) {
            service.start();
            TestClient client = new TestClient(service.url());
            feed(service, snapshot(1));
            armed.set(true);

            CompletableFuture<TestClient.Answer> slow = CompletableFuture.supplyAsync(
                () -> client.post("v2/models/student/infer", TestClient.inferBody("slow", 1, 8, 1f)));
            assertThat(entered.await(5, TimeUnit.SECONDS)).isTrue();
            feed(service, snapshot(2));
            assertThat(service.state().currentVersion()).isEqualTo(2);
            release.countDown();

            TestClient.Answer a = slow.get(10, TimeUnit.SECONDS);
            assertThat(a.json().path("model_version").asText()).isEqualTo("1");
            assertThat(a.json().path("outputs").get(0).path("data").get(0).asDouble()).isEqualTo(1.0);
        }
    }

    @Test
    void shouldRunARequestOnTheNewestVersionWhenSwapsRetiredItsVersionBeforeItsBodyArrived() throws Exception {
        try (RoleMetrics metrics = new RoleMetrics();
             ServeService service = new ServeService(ServingFixtures.settings(null, 1, 3), ServingFixtures.DATA,
                 ServingFixtures.CODEC, FakeNetwork.LOADER, metrics, null)) {
            service.start();
            feed(service, snapshot(1));
            try (RawHttp http = new RawHttp("127.0.0.1", service.port(), 10_000)) {
                byte[] body = TestClient.inferBody("late", 1, 8, 1f).getBytes(StandardCharsets.UTF_8);
                byte[] request = RawHttp.request("POST", "/v2/models/student/infer", body,
                    "Content-Type", "application/json");
                int head = request.length - body.length;
                // the served version is chosen when the headers are in; the body follows after versions 2 to 5,
                // which leave 3, 4 and 5 held and version 1 retired
                http.send(Arrays.copyOf(request, head));
                Thread.sleep(300);
                for (int v = 2; v <= 5; v++) {
                    feed(service, snapshot(v));
                }
                assertThat(service.state().heldVersions()).containsExactly(3L, 4L, 5L);
                http.send(Arrays.copyOfRange(request, head, request.length));

                RawHttp.Response answer = http.read();
                assertThat(answer.status()).as(answer.text()).isEqualTo(200);
                assertThat(answer.text()).contains("\"model_version\":\"5\"");
            }
        }
    }

    @Test
    void shouldRefuseToStartWithoutAKeyToVerifySnapshotsWith() {
        assertThatThrownBy(() -> new ServeService(Config.defaults(), new RoleMetrics()))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("snapshot.verify.keys must be set (env DISTILL_SNAPSHOT_VERIFY_KEYS)");
    }

    @Test
    void shouldRegisterItsConfigKeysAndValidateThem() {
        assertThat(ConfigKeys.isKnown("serve.port")).isTrue();
        assertThat(ConfigKeys.isKnown("serve.admin.token")).isTrue();
        ServeSettings defaults = ServeSettings.from(Config.defaults());
        assertThat(defaults).isEqualTo(new ServeSettings("0.0.0.0", 8080, 2, 4_194_304, null, 3, null, 64, 16, 100));

        assertThatThrownBy(() -> ServeSettings.from(Config.of(Map.of("serve.threads", "0"))))
            .isInstanceOf(ConfigException.class).hasMessage("serve.threads must be > 0, was 0");
        assertThatThrownBy(() -> ServeSettings.from(Config.of(Map.of("serve.admin.token", "short"))))
            .isInstanceOf(ConfigException.class).hasMessageContaining("serve.admin.token must be at least 8");
        assertThat(ServeSettings.from(Config.of(Map.of("serve.admin.token", "long-enough-token"))).toString())
            .doesNotContain("long-enough-token");
        assertThat(ServeSettings.from(Config.of(Map.of("serve.request.slice.us", "0"))).requestSliceMicros()).isZero();
        for (String outside : new String[] {"99", "100001", "-1"}) {
            assertThatThrownBy(() -> ServeSettings.from(Config.of(Map.of("serve.request.slice.us", outside))))
                .isInstanceOf(ConfigException.class)
                .hasMessage("serve.request.slice.us must be 0 or in [100, 100000] (the kernel's bounds), was " + outside);
        }
    }
}
