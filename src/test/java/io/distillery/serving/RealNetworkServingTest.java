package io.distillery.serving;

import static io.distillery.serving.ServingFixtures.CLASSES;
import static io.distillery.serving.ServingFixtures.FEATURES;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.inference.Engine;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.snapshot.Snapshot;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Serving real DL4J 8-16-3 student networks, each version with its own weights. */
class RealNetworkServingTest {
    private static final int VERSIONS = 12;
    private static final float[] ROW = {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f, 0.7f, -0.8f};
    private static final Map<Long, byte[]> SNAPSHOTS = new HashMap<>();
    private static final Map<Long, float[]> EXPECTED = new HashMap<>();
    private static final org.assertj.core.data.Offset<Float> TOLERANCE = org.assertj.core.data.Offset.offset(1e-5f);

    @BeforeAll
    static void students() {
        for (long v = 1; v <= VERSIONS; v++) {
            Network student = Network.student(new NetworkSpec(FEATURES, List.of(16), CLASSES, "relu", "adam", 1e-2, v),
                new DistillationSpec(1, 0.5));
            EXPECTED.put(v, student.logits(new float[][] {ROW})[0]);
            SNAPSHOTS.put(v, ServingFixtures.CODEC.encode(
                Snapshot.of(ServingFixtures.manifest(v, FEATURES, CLASSES), student.toBytes(false))));
        }
    }

    @AfterAll
    static void forget() {
        SNAPSHOTS.clear();
        EXPECTED.clear();
    }

    private static ServeService service(RoleMetrics metrics, Engine engine) {
        ServeService s = new ServeService(ServingFixtures.settings(null, 2, 3), ServingFixtures.DATA,
            ServingFixtures.CODEC, new NetworkModelLoader(engine), metrics, null);
        s.start();
        return s;
    }

    private static String body(int rows) {
        StringBuilder data = new StringBuilder();
        for (int r = 0; r < rows; r++) {
            for (float v : ROW) {
                data.append(data.length() == 0 ? "" : ",").append(v);
            }
        }
        return "{\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + ",8],\"datatype\":\"FP32\",\"data\":[" + data
            + "]}]}";
    }

    /** Equal up to float rounding (BLAS sums in another order for other batch sizes). */
    private static boolean close(float[] a, float[] b) {
        for (int i = 0; i < a.length; i++) {
            if (Math.abs(a[i] - b[i]) > 1e-5f) {
                return false;
            }
        }
        return a.length == b.length;
    }

    private static float[] firstRow(JsonNode answer) {
        JsonNode data = answer.path("outputs").get(0).path("data");
        float[] out = new float[CLASSES];
        for (int i = 0; i < CLASSES; i++) {
            out[i] = (float) data.get(i).asDouble();
        }
        return out;
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void shouldAnswerWithTheLogitsOfTheServedNetworkForOneRowAndABatch(Engine engine) {
        try (RoleMetrics metrics = new RoleMetrics(); ServeService service = service(metrics, engine)) {
            TestClient client = new TestClient(service.url());
            service.snapshotListener().onSnapshot("student", SNAPSHOTS.get(1L), 0);

            JsonNode one = client.post("v2/models/student/infer", body(1)).json();
            JsonNode batch = client.post("v2/models/student/infer", body(32)).json();

            assertThat(firstRow(one)).containsExactly(EXPECTED.get(1L), TOLERANCE);
            assertThat(batch.path("outputs").get(0).path("shape").toString()).isEqualTo("[32,3]");
            assertThat(firstRow(batch)).containsExactly(EXPECTED.get(1L), TOLERANCE);

            service.snapshotListener().onSnapshot("student", SNAPSHOTS.get(2L), 1);

            JsonNode swapped = client.post("v2/models/student/infer", body(1)).json();
            assertThat(swapped.path("model_version").asText()).isEqualTo("2");
            assertThat(firstRow(swapped)).containsExactly(EXPECTED.get(2L), TOLERANCE);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void shouldServeEveryAnswerFromTheVersionItReportsDuringASwapStorm(Engine engine) throws Exception {
        Queue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicBoolean feeding = new AtomicBoolean(true);
        try (RoleMetrics metrics = new RoleMetrics(); ServeService service = service(metrics, engine)) {
            service.snapshotListener().onSnapshot("student", SNAPSHOTS.get(1L), 0);
            List<Thread> clients = new ArrayList<>();
            for (int c = 0; c < 3; c++) {
                int rows = c == 0 ? 1 : 16;
                Thread t = new Thread(() -> {
                    TestClient client = new TestClient(service.url());
                    long last = 0;
                    while (feeding.get()) {
                        TestClient.Answer a = client.post("v2/models/student/infer", body(rows));
                        if (a.status() != 200) {
                            failures.add(a.status() + " " + a.body());
                            return;
                        }
                        long v = Long.parseLong(a.json().path("model_version").asText());
                        if (v < last || !close(firstRow(a.json()), EXPECTED.get(v))) {
                            failures.add("answer of version " + v + " after " + last + ": " + a.body());
                        }
                        last = v;
                    }
                });
                clients.add(t);
                t.start();
            }
            for (long v = 2; v <= VERSIONS; v++) {
                service.snapshotListener().onSnapshot("student", SNAPSHOTS.get(v), v);
            }
            feeding.set(false);
            for (Thread t : clients) {
                t.join(30_000);
            }

            assertThat(failures).isEmpty();
            assertThat(service.state().currentVersion()).isEqualTo(VERSIONS);
        }
    }
}
