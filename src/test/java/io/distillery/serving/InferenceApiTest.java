package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.FEATURES;
import static io.distillery.serving.ServingFixtures.feed;
import static io.distillery.serving.ServingFixtures.snapshot;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.metrics.RoleMetrics;
import io.distillery.os.ThreadSlice;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InferenceApiTest {
    private final RoleMetrics metrics = new RoleMetrics();
    private final ServeService service = ServingFixtures.service(ServingFixtures.settings(null, 2, 3), metrics);
    private final TestClient client = new TestClient(service.url());

    @AfterEach
    void close() {
        service.close();
        metrics.close();
    }

    @Test
    void shouldBeLiveAtOnceButReadyOnlyOnceAModelIsVerified() {
        assertThat(client.get("v2/health/live").status()).isEqualTo(200);
        assertThat(client.get("v2/health/ready").status()).isEqualTo(503);
        assertThat(client.get("v2/models/student/ready").status()).isEqualTo(503);

        feed(service, snapshot(1));

        assertThat(client.get("v2/health/ready").status()).isEqualTo(200);
        assertThat(client.get("v2/models/student/ready").status()).isEqualTo(200);
    }

    @Test
    void shouldAnswerOnThreadsWithTheRequestSlice() throws Exception {
        feed(service, snapshot(1));

        assertThat(client.post("v2/models/student/infer", TestClient.inferBody("r1", 1, FEATURES, 1f)).status())
            .isEqualTo(200);

        // every serving pool thread of this JVM, and one dispatcher at least, runs with serve.request.slice.us
        long expected = ThreadSlice.kernelHasCustomSlices() ? 100_000 : ThreadSlice.currentNanos();
        List<Integer> pool = ThreadSlice.threadsNamed("serve-http");
        assertThat(pool).isNotEmpty();
        for (int tid : pool) {
            assertThat(ThreadSlice.nanosOf(tid)).as("serve-http thread %d", tid).isEqualTo(expected);
        }
        List<Long> dispatchers = new ArrayList<>();
        for (int tid : ThreadSlice.threadsNamed(InferenceServer.DISPATCHER)) {
            dispatchers.add(ThreadSlice.nanosOf(tid));
        }
        assertThat(dispatchers).contains(expected);
    }

    @Test
    void shouldAnswer503ToInferBeforeAnyModelIsLoaded() {
        TestClient.Answer a = client.post("v2/models/student/infer", TestClient.inferBody("r1", 1, FEATURES, 1f));

        assertThat(a.status()).isEqualTo(503);
        assertThat(a.error()).contains("no model loaded yet");
    }

    @Test
    void shouldInferLogitsProbabilitiesAndClassWithTheVersionThatComputedThem() {
        feed(service, snapshot(7));

        TestClient.Answer a = client.post("v2/models/student/infer", TestClient.inferBody("req-42", 2, FEATURES, 0.5f));

        assertThat(a.status()).isEqualTo(200);
        JsonNode body = a.json();
        assertThat(body.path("model_name").asText()).isEqualTo("student");
        assertThat(body.path("model_version").asText()).isEqualTo("7");
        assertThat(body.path("id").asText()).isEqualTo("req-42");
        JsonNode logits = body.path("outputs").get(0);
        assertThat(logits.path("name").asText()).isEqualTo("logits");
        assertThat(logits.path("datatype").asText()).isEqualTo("FP32");
        assertThat(logits.path("shape").toString()).isEqualTo("[2,3]");
        // fake network: logit 0 = version, logit j = j * row sum (8 * 0.5 = 4)
        assertThat(logits.path("data").toString()).isEqualTo("[7.0,4.0,8.0,7.0,4.0,8.0]");
        JsonNode probabilities = body.path("outputs").get(1);
        assertThat(probabilities.path("name").asText()).isEqualTo("probabilities");
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            sum += probabilities.path("data").get(i).asDouble();
        }
        assertThat(sum).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        JsonNode predicted = body.path("outputs").get(2);
        assertThat(predicted.path("datatype").asText()).isEqualTo("INT64");
        assertThat(predicted.path("data").toString()).isEqualTo("[2,2]");
    }

    @Test
    void shouldAcceptNestedDataAndReturnOnlyRequestedOutputs() {
        feed(service, snapshot(3));
        String body = "{\"inputs\":[{\"name\":\"x\",\"shape\":[2,8],\"datatype\":\"FP32\","
            + "\"data\":[[1,1,1,1,1,1,1,1],[0,0,0,0,0,0,0,1.5e0]]}],\"outputs\":[{\"name\":\"predicted_class\"}]}";

        TestClient.Answer a = client.post("v2/models/student/infer", body);

        assertThat(a.status()).isEqualTo(200);
        assertThat(a.json().has("id")).isFalse();
        assertThat(a.json().path("outputs")).hasSize(1);
        assertThat(a.json().path("outputs").get(0).path("data").toString()).isEqualTo("[2,0]");
    }

    @Test
    void shouldDescribeTheModelWithCurrentAndPreviousVersions() {
        JsonNode before = client.get("v2/models/student").json();
        assertThat(before.path("versions")).isEmpty();
        assertThat(before.path("current_version").isNull()).isTrue();
        assertThat(before.path("platform").isNull()).as("no model, no engine yet").isTrue();

        feed(service, snapshot(4));
        feed(service, snapshot(5));
        JsonNode m = client.get("v2/models/student").json();

        assertThat(m.path("name").asText()).isEqualTo("student");
        assertThat(m.path("platform").asText()).as("the served network's").isEqualTo("fake_ok");
        assertThat(m.path("versions").toString()).isEqualTo("[\"4\",\"5\"]");
        assertThat(m.path("inputs").toString())
            .isEqualTo("[{\"name\":\"input\",\"datatype\":\"FP32\",\"shape\":[-1,8]}]");
        assertThat(m.path("outputs").get(0).path("shape").toString()).isEqualTo("[-1,3]");
        assertThat(m.path("current_version").asText()).isEqualTo("5");
        assertThat(m.path("previous_version").asText()).isEqualTo("4");
        assertThat(m.path("pinned").asBoolean()).isFalse();
        assertThat(m.path("snapshot").path("id").asText()).isEqualTo("student-5");
    }

    @Test
    void shouldInferOnAHeldVersionByPathAnd404OnOneNotHeld() {
        feed(service, snapshot(4));
        feed(service, snapshot(5));

        TestClient.Answer old = client.post("v2/models/student/versions/4/infer", TestClient.inferBody("a", 1, 8, 0f));
        TestClient.Answer gone = client.post("v2/models/student/versions/3/infer", TestClient.inferBody("a", 1, 8, 0f));

        assertThat(old.json().path("model_version").asText()).isEqualTo("4");
        assertThat(client.get("v2/models/student/versions/4/ready").status()).isEqualTo(200);
        assertThat(gone.status()).isEqualTo(404);
        assertThat(gone.error()).contains("version 3 of student is not held");
    }

    @Test
    void shouldServeServerMetadataAndMetricsOnTheSamePort() {
        feed(service, snapshot(9));
        client.post("v2/models/student/infer", TestClient.inferBody("a", 1, 8, 0f));
        client.post("v2/models/student/infer", TestClient.inferBody("a", 32, 8, 0f));

        JsonNode server = client.get("v2").json();
        assertThat(server.path("name").asText()).isEqualTo("distillery");
        assertThat(server.path("extensions").toString()).as("the binary tensor data extension is served")
            .isEqualTo("[\"binary_tensor_data\"]");
        String scrape = client.get("metrics").body();
        assertThat(scrape).contains("distill_serve_requests_total{endpoint=\"infer\",role=\"serve\",status=\"2xx\"} 2.0")
            .contains("distill_snapshot_version{model=\"student\",role=\"serve\"} 9.0")
            .contains("distill_hot_swaps_total{model=\"student\",role=\"serve\"} 1.0")
            .contains("distill_predict_latency_seconds_count{kind=\"single\",role=\"serve\"} 1")
            .contains("distill_predict_latency_seconds_count{kind=\"batch\",role=\"serve\"} 1");
    }

    @Test
    void shouldAnswer404ToUnknownPathsAndModelsAnd405ToWrongMethods() {
        TestClient.Answer unknownPath = client.get("v2/nothing");
        TestClient.Answer unknownModel = client.get("v2/models/teacher");
        TestClient.Answer getInfer = client.get("v2/models/student/infer");
        TestClient.Answer postLive = client.post("v2/health/live", "{}");

        assertThat(unknownPath.status()).isEqualTo(404);
        assertThat(unknownPath.error()).contains("no such endpoint: /v2/nothing");
        assertThat(unknownModel.status()).isEqualTo(404);
        assertThat(unknownModel.error()).contains("unknown model 'teacher'");
        assertThat(getInfer.status()).isEqualTo(405);
        assertThat(getInfer.raw().headers().firstValue("Allow")).hasValue("POST");
        assertThat(postLive.status()).isEqualTo(405);
    }

    @Test
    void shouldAnswerKeepAliveRequestsWithoutWaitingOnDelayedAcks() {
        feed(service, snapshot(1));
        String body = TestClient.inferBody("k", 1, FEATURES, 1f);
        long[] nanos = new long[41];
        for (int i = 0; i < nanos.length; i++) {
            long start = System.nanoTime();
            client.post("v2/models/student/infer", body);
            nanos[i] = System.nanoTime() - start;
        }
        java.util.Arrays.sort(nanos);

        // with Nagle on, every request of a keep-alive connection took ~40 ms
        assertThat(nanos[nanos.length / 2]).isLessThan(20_000_000L);
    }
}
