package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.TOKEN;
import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class AdminApiTest {
    private static final String[] AUTH = {"Authorization", "Bearer " + TOKEN};

    private final RoleMetrics metrics = new RoleMetrics();
    private final ServeService service = ServingFixtures.service(ServingFixtures.settings(TOKEN, 2, 3), metrics);
    private final TestClient client = new TestClient(service.url());

    @AfterEach
    void close() {
        service.close();
        metrics.close();
    }

    private String servedVersion() {
        return client.post("v2/models/student/infer", TestClient.inferBody("a", 1, 8, 0f))
            .json().path("model_version").asText();
    }

    @Test
    void shouldPinAHeldVersionAndKeepServingItWhenNewerSnapshotsArrive() {
        feed(service, snapshot(1));
        feed(service, snapshot(2));

        TestClient.Answer pin = client.post("v2/admin/pin", "{\"version\": 1}", AUTH);
        feed(service, snapshot(3));

        assertThat(pin.status()).isEqualTo(200);
        assertThat(pin.json().path("current_version").asText()).isEqualTo("1");
        assertThat(pin.json().path("pinned").asBoolean()).isTrue();
        assertThat(servedVersion()).isEqualTo("1");
        assertThat(client.get("v2/models/student").json().path("versions").toString()).isEqualTo("[\"1\",\"2\",\"3\"]");
        assertThat(metrics.scrape()).contains("distill_serve_pinned{role=\"serve\"} 1.0");
    }

    @Test
    void shouldServeTheNewestAgainAfterUnpin() {
        feed(service, snapshot(1));
        feed(service, snapshot(2));
        client.post("v2/admin/pin", "{\"version\": 1}", AUTH);

        TestClient.Answer unpin = client.post("v2/admin/unpin", "", AUTH);

        assertThat(unpin.status()).isEqualTo(200);
        assertThat(unpin.json().path("pinned").asBoolean()).isFalse();
        assertThat(servedVersion()).isEqualTo("2");
        assertThat(metrics.scrape()).contains("distill_serve_pinned{role=\"serve\"} 0.0");
    }

    @Test
    void shouldRollBackToThePreviousVerifiedVersionAndStayPinned() {
        feed(service, snapshot(1));
        feed(service, snapshot(2));

        TestClient.Answer rollback = client.post("v2/admin/rollback", "", AUTH);
        feed(service, snapshot(3));

        assertThat(rollback.status()).isEqualTo(200);
        assertThat(rollback.json().path("current_version").asText()).isEqualTo("1");
        assertThat(servedVersion()).isEqualTo("1");
        assertThat(client.get("v2/models/student").json().path("pinned").asBoolean()).isTrue();
        assertThat(metrics.scrape()).contains("distill_snapshot_version{model=\"student\",role=\"serve\"} 1.0");
    }

    @Test
    void shouldAnswer409ToRollbackWithNoOlderVersionAnd404ToPinOfAVersionNotHeld() {
        feed(service, snapshot(5));

        TestClient.Answer rollback = client.post("v2/admin/rollback", "", AUTH);
        TestClient.Answer pin = client.post("v2/admin/pin", "{\"version\": 4}", AUTH);

        assertThat(rollback.status()).isEqualTo(409);
        assertThat(rollback.error()).contains("no verified version older than version 5 is held");
        assertThat(pin.status()).isEqualTo(404);
        assertThat(pin.error()).contains("version 4 is not held; held versions: [5]");
    }

    @Test
    void shouldAnswer400ToAPinBodyWithoutAVersion() {
        feed(service, snapshot(5));

        assertThat(client.post("v2/admin/pin", "{\"v\": 5}", AUTH).error()).contains("body must be {\"version\": N}");
        assertThat(client.post("v2/admin/pin", "nope", AUTH).status()).isEqualTo(400);
        assertThat(client.post("v2/admin/pin", "{\"version\": \"5\"}", AUTH).status()).isEqualTo(200);
    }

    @Test
    void shouldRefuseAdminWithoutOrWithAWrongTokenWith401() {
        feed(service, snapshot(1));
        feed(service, snapshot(2));

        TestClient.Answer none = client.post("v2/admin/rollback", "");
        TestClient.Answer wrong = client.post("v2/admin/rollback", "", "Authorization", "Bearer guess-guess");

        assertThat(none.status()).isEqualTo(401);
        assertThat(none.raw().headers().firstValue("WWW-Authenticate")).isPresent();
        assertThat(wrong.status()).isEqualTo(401);
        assertThat(wrong.error()).isEqualTo("wrong admin token");
        assertThat(servedVersion()).isEqualTo("2");
    }

    @Test
    void shouldAnswer403WhenNoAdminTokenIsConfigured() {
        try (RoleMetrics m = new RoleMetrics();
             ServeService open = ServingFixtures.service(ServingFixtures.settings(null, 1, 3), m)) {
            TestClient.Answer a = new TestClient(open.url()).post("v2/admin/unpin", "", AUTH);

            assertThat(a.status()).isEqualTo(403);
            assertThat(a.error()).contains("admin API disabled");
        }
    }

    @Test
    void shouldAnswer405ToGetAnd404ToAnUnknownAction() {
        assertThat(client.get("v2/admin/pin").status()).isEqualTo(405);
        assertThat(client.post("v2/admin/promote", "", AUTH).status()).isEqualTo(404);
    }
}
