package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.CLASSES;
import static io.distillery.serving.ServingFixtures.FEATURES;
import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import io.distillery.testing.CapturedLog;
import java.util.List;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.LogEvent;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class InternalErrorTest {
    private final RoleMetrics metrics = new RoleMetrics();
    private final ServeService service = ServingFixtures.service(ServingFixtures.settings(null, 2, 3), metrics);
    private final TestClient client = new TestClient(service.url());
    private CapturedLog serverLog;
    private List<LogEvent> logged;

    @BeforeEach
    void captureServerLog() {
        serverLog = CapturedLog.of(InferenceServer.class.getName());
        logged = serverLog.events();
    }

    @AfterEach
    void close() {
        serverLog.close();
        service.close();
        metrics.close();
    }

    @Test
    void shouldAnswer500WithAnErrorIdButNotTheExceptionAndLogTheDetailUnderThatId() {
        feed(service, snapshot(1, FEATURES, CLASSES, "throws-on-input"));

        TestClient.Answer a = client.post("v2/models/student/infer", TestClient.inferBody("r1", 1, FEATURES, 1f));

        assertThat(a.status()).isEqualTo(500);
        assertThat(a.body()).doesNotContain(FakeNetwork.FAILURE_DETAIL).doesNotContain("IllegalStateException")
            .doesNotContain("at io.distillery");
        assertThat(a.error()).matches("internal error, id [0-9a-f]{8}");
        String id = a.error().substring("internal error, id ".length());
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.ERROR).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getFormattedMessage()).contains("error id " + id);
            assertThat(e.getThrown()).isInstanceOf(IllegalStateException.class).hasMessage(FakeNetwork.FAILURE_DETAIL);
        });
    }

    @Test
    void shouldAnswer500AndLogAnErrorThatIsNotAnException() {
        feed(service, snapshot(1, FEATURES, CLASSES, "error-on-input"));

        TestClient.Answer a = client.post("v2/models/student/infer", TestClient.inferBody("r1", 1, FEATURES, 1f));

        assertThat(a.status()).isEqualTo(500);
        assertThat(a.body()).doesNotContain(FakeNetwork.FAILURE_DETAIL).doesNotContain("LinkageError");
        String id = a.error().substring("internal error, id ".length());
        assertThat(logged).filteredOn(e -> e.getLevel() == Level.ERROR).singleElement().satisfies(e -> {
            assertThat(e.getMessage().getFormattedMessage()).contains("error id " + id);
            assertThat(e.getThrown()).isInstanceOf(LinkageError.class).hasMessage(FakeNetwork.FAILURE_DETAIL);
        });
        // the connection stays usable: the next request on it is answered
        assertThat(client.get("v2/health/live").status()).isEqualTo(200);
    }

    @Test
    void shouldGiveEachFailureItsOwnId() {
        feed(service, snapshot(1, FEATURES, CLASSES, "throws-on-input"));

        String first = client.post("v2/models/student/infer", TestClient.inferBody("r1", 1, FEATURES, 1f)).error();
        String second = client.post("v2/models/student/infer", TestClient.inferBody("r2", 1, FEATURES, 1f)).error();

        assertThat(first).isNotEqualTo(second);
    }
}
