package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.inference.Engine;
import io.distillery.inference.OnnxPredictor;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.snapshot.Snapshot;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.ExternalTool;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The student leaves the service: its verified ONNX graph over HTTP, for the operator only. */
class ModelDownloadTest {
    private static final int FEATURES = ServingFixtures.FEATURES;
    private static final int CLASSES = ServingFixtures.CLASSES;
    private static final String TOKEN = "download-token-0123";
    private static final float[] ROW = row();

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private static float[] row() {
        float[] r = new float[FEATURES];
        for (int i = 0; i < r.length; i++) {
            r[i] = 0.25f * (i % 4) - 0.3f;
        }
        return r;
    }

    private static byte[] snapshot(long version) {
        Network student = Network.student(new NetworkSpec(FEATURES, List.of(16, 8), CLASSES, "tanh", "adam", 1e-2,
            version), new DistillationSpec(1, 0.5));
        return ServingFixtures.CODEC.encode(Snapshot.of(ServingFixtures.manifest(version, FEATURES, CLASSES),
            student.toBytes(false)));
    }

    private static ServeService service(RoleMetrics metrics, Engine engine, String downloadToken) {
        ServeService s = new ServeService(ServingFixtures.settings(null, 2, 3, downloadToken), ServingFixtures.DATA,
            ServingFixtures.CODEC, new NetworkModelLoader(engine), metrics, null);
        s.start();
        return s;
    }

    private HttpResponse<byte[]> get(ServeService service, String path, String token) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(service.url().resolve(path)).timeout(Duration.ofSeconds(10));
        if (token != null) {
            b.header("Authorization", "Bearer " + token);
        }
        return http.send(b.GET().build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    private static float[] served(ServeService service) {
        String data = IntStream.range(0, FEATURES).mapToObj(i -> Float.toString(ROW[i]))
            .collect(Collectors.joining(","));
        var answer = new TestClient(service.url()).post("v2/models/student/infer", "{\"inputs\":[{\"name\":\"input\","
            + "\"shape\":[1," + FEATURES + "],\"datatype\":\"FP32\",\"data\":[" + data + "]}]}").json();
        var values = answer.path("outputs").get(0).path("data");
        float[] out = new float[CLASSES];
        for (int i = 0; i < CLASSES; i++) {
            out[i] = (float) values.get(i).asDouble();
        }
        return out;
    }

    @Test
    void shouldRefuseDownloadsUntilATokenIsSetAndWithoutIt() throws Exception {
        try (RoleMetrics metrics = new RoleMetrics(); ServeService closed = service(metrics, Engine.ONNX, null);
             ServeService open = service(metrics, Engine.ONNX, TOKEN)) {
            closed.snapshotListener().onSnapshot("student", snapshot(1), 0);
            open.snapshotListener().onSnapshot("student", snapshot(1), 0);

            assertThat(get(closed, "v2/models/student/onnx", TOKEN).statusCode()).isEqualTo(403);
            assertThat(get(open, "v2/models/student/onnx", null).statusCode()).isEqualTo(401);
            assertThat(get(open, "v2/models/student/onnx", "not-the-token").statusCode()).isEqualTo(401);
            assertThat(get(open, "v2/models/student/versions/9/onnx", TOKEN).statusCode()).isEqualTo(404);
        }
    }

    @ParameterizedTest
    @EnumSource(Engine.class)
    void shouldDownloadTheGraphThatGivesTheServingAnswer(Engine engine) throws Exception {
        try (RoleMetrics metrics = new RoleMetrics(); ServeService service = service(metrics, engine, TOKEN)) {
            service.snapshotListener().onSnapshot("student", snapshot(1), 0);
            service.snapshotListener().onSnapshot("student", snapshot(2), 1);

            HttpResponse<byte[]> current = get(service, "v2/models/student/onnx", TOKEN);
            HttpResponse<byte[]> first = get(service, "v2/models/student/versions/1/onnx", TOKEN);

            assertThat(current.statusCode()).isEqualTo(200);
            assertThat(current.headers().firstValue("Content-Type")).hasValue("application/octet-stream");
            assertThat(current.headers().firstValue("X-Model-Version")).hasValue("2");
            assertThat(current.headers().firstValue("X-Model-Sha256")).hasValue(sha256(current.body()));
            assertThat(first.headers().firstValue("X-Model-Version")).hasValue("1");
            assertThat(first.body()).isNotEqualTo(current.body());
            try (OnnxPredictor edge = new OnnxPredictor(current.body())) {
                assertThat(edge.logits(new float[][] {ROW})[0]).containsExactly(served(service), within(1e-5f));
            }
        }
    }

    @Test
    void shouldDownloadAFileThatOnnxCheckerAcceptsAndNumpyRecomputes(@TempDir Path dir) throws Exception {
        try (RoleMetrics metrics = new RoleMetrics(); ServeService service = service(metrics, Engine.ONNX, TOKEN)) {
            service.snapshotListener().onSnapshot("student", snapshot(1), 0);
            Path file = dir.resolve("student.onnx");
            Files.write(file, get(service, "v2/models/student/onnx", TOKEN).body());
            float[] expected = served(service);
            ExternalTool python = ExternalTool.debianPython3();

            ExternalTool.Result r = python.run(dir, "-c", String.join("\n",
                "import sys, numpy as np, onnx",
                "from onnx import numpy_helper",
                "m = onnx.load(sys.argv[1])",
                "onnx.checker.check_model(m, full_check=True)",
                "w = {t.name: numpy_helper.to_array(t).astype(np.float64) for t in m.graph.initializer}",
                "v = {'input': np.array([[float(x) for x in sys.argv[2].split(',')]])}",
                "for n in m.graph.node:",
                "    a = {x.name: x for x in n.attribute}",
                "    x = v[n.input[0]]",
                "    if n.op_type == 'Gemm':",
                "        b = w[n.input[1]].T if 'transB' in a and a['transB'].i == 1 else w[n.input[1]]",
                "        y = x @ b + w[n.input[2]]",
                "    elif n.op_type == 'Relu': y = np.maximum(x, 0)",
                "    elif n.op_type == 'Tanh': y = np.tanh(x)",
                "    elif n.op_type == 'Sigmoid': y = 1 / (1 + np.exp(-x))",
                "    elif n.op_type == 'LeakyRelu': y = np.where(x > 0, x, a['alpha'].f * x)",
                "    elif n.op_type == 'Identity': y = x",
                "    else: sys.exit('unexpected op ' + n.op_type)",
                "    v[n.output[0]] = y",
                "print(' '.join('%.7f' % z for z in v['logits'][0]))"), file.toString(),
                IntStream.range(0, FEATURES).mapToObj(i -> Float.toString(ROW[i])).collect(Collectors.joining(",")));

            assertThat(r.exitCode()).as("python on %s (needs %s):%n%s", file, python.installHint(), r.output()).isZero();
            String[] numbers = r.output().trim().split("\\s+");
            String[] last = java.util.Arrays.copyOfRange(numbers, numbers.length - CLASSES, numbers.length);
            for (int i = 0; i < CLASSES; i++) {
                assertThat(Float.parseFloat(last[i])).as("logit %d", i).isCloseTo(expected[i], within(1e-4f));
            }
        }
    }

    private static String sha256(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    }
}
