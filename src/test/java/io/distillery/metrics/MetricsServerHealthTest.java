package io.distillery.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.service.ServiceLoop;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code /health} over real HTTP, fed by real loops. */
class MetricsServerHealthTest {
    /** A loop that works until told to fail with an error. */
    private static final class Worker extends ServiceLoop {
        volatile Error error;

        Worker(String name) {
            super(name, Duration.ofMinutes(1), Clock.systemUTC());
        }

        @Override
        protected void doWork() throws InterruptedException {
            Error e = error;
            if (e != null) {
                throw e;
            }
            pause(5);
        }
    }

    @Test
    void shouldAnswer503NamingTheLoopThatDiedAndItsFailure() throws Exception {
        Worker trainer = new Worker("teacher-trainer");
        Worker emitter = new Worker("teacher-emitter");
        try (RoleMetrics metrics = new RoleMetrics("teacher");
             MetricsServer server = MetricsServer.start(metrics, "127.0.0.1", 0, () -> List.of(trainer, emitter))) {
            trainer.start();
            emitter.start();
            HttpResponse<String> ok = get(server);
            assertThat(ok.statusCode()).isEqualTo(200);
            assertThat(ok.body()).startsWith("ok\n").contains("teacher-trainer: up").contains("teacher-emitter: up");

            trainer.error = new OutOfMemoryError("Java heap space");
            assertThat(trainer.awaitStop(Duration.ofSeconds(5))).isTrue();

            HttpResponse<String> down = get(server);
            assertThat(down.statusCode()).isEqualTo(503);
            assertThat(down.body()).startsWith("unhealthy\n")
                .contains("teacher-trainer: down failed: java.lang.OutOfMemoryError: Java heap space")
                .contains("teacher-emitter: up");
        } finally {
            trainer.close();
            emitter.close();
        }
    }

    @Test
    void shouldRefuseAMethodOtherThanGetOnMetricsNamingTheAllowedOne() throws Exception {
        try (RoleMetrics metrics = new RoleMetrics("teacher");
             MetricsServer server = MetricsServer.start(metrics, "127.0.0.1", 0, List::of)) {
            HttpRequest post = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/metrics"))
                .timeout(Duration.ofSeconds(5)).POST(HttpRequest.BodyPublishers.noBody()).build();

            HttpResponse<String> r = HttpClient.newHttpClient().send(post, HttpResponse.BodyHandlers.ofString());

            assertThat(r.statusCode()).isEqualTo(405);
            assertThat(r.headers().firstValue("Allow")).hasValue("GET");
        }
    }

    private static HttpResponse<String> get(MetricsServer server) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/health"))
            .timeout(Duration.ofSeconds(5)).build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    }
}
