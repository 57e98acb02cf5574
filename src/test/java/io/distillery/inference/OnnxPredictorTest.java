package io.distillery.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.model.Forward;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.OnnxGraphs;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.TrainedNetworks;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class OnnxPredictorTest {
    /** fp32 through two engines: the same products summed in another order. */
    private static final double TOLERANCE = 1e-4;
    private static final Map<String, String> META = Map.of("model", "student", "version", "3");

    static Stream<Arguments> networks() {
        List<Arguments> cases = new ArrayList<>();
        List<List<Integer>> shapes = List.of(List.of(), List.of(9), List.of(1), List.of(12, 7, 5), List.of(6, 1, 4));
        int seed = 0;
        for (String activation : List.of("relu", "tanh", "sigmoid", "leakyrelu")) {
            for (List<Integer> hidden : shapes) {
                for (boolean student : List.of(false, true)) {
                    int outputs = 2 + seed % 3;
                    cases.add(Arguments.of(student ? "student" : "teacher",
                        TrainedNetworks.spec(13, hidden, outputs, activation, seed++)));
                }
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("networks")
    void shouldComputeSameLogitsAsDl4j(String role, NetworkSpec spec) {
        Network network = trained(role, spec);
        Random random = new Random(spec.seed() + 100);
        float[][] batch = TrainedNetworks.gaussianRows(9, spec.inputs(), random);
        float[][] one = TrainedNetworks.gaussianRows(1, spec.inputs(), random);
        assertThat(network.logits(batch)).as("weights moved from their initialization")
            .isNotEqualTo(Network.teacher(spec).logits(batch));

        try (OnnxPredictor onnx = new OnnxPredictor(OnnxExport.export(network, META))) {
            assertThat(onnx.inputs()).isEqualTo(spec.inputs());
            assertThat(onnx.outputs()).isEqualTo(spec.outputs());
            assertThat(maxAbsDifference(onnx.logits(batch), network.logits(batch))).isLessThanOrEqualTo(TOLERANCE);
            assertThat(maxAbsDifference(onnx.logits(one), network.logits(one))).isLessThanOrEqualTo(TOLERANCE);
            assertThat(onnx.hasHidden()).as("a teacher with hidden layers has a hidden output, a student none")
                .isEqualTo(role.equals("teacher") && !spec.hidden().isEmpty());
            if (onnx.hasHidden()) {
                assertThat(onnx.hiddenWidth()).isEqualTo(network.hiddenWidth());
                Forward got = onnx.forward(batch);
                Forward dl4j = network.forward(batch);
                assertThat(maxAbsDifference(got.hidden(), dl4j.hidden())).isLessThanOrEqualTo(TOLERANCE);
                assertThat(maxAbsDifference(got.logits(), dl4j.logits())).isLessThanOrEqualTo(TOLERANCE);
            }
        }
    }

    @Test
    void shouldRunAGraphWithoutHiddenOutputAsBeforeAndSayItHasNone() {
        Network network = TrainedNetworks.teacher(TrainedNetworks.spec(13, List.of(8, 6), 3, "relu", 4), 3);
        float[][] rows = TrainedNetworks.gaussianRows(6, 13, new Random(21));

        try (OnnxPredictor onnx = new OnnxPredictor(OnnxGraphs.withoutHidden(OnnxExport.export(network, META)))) {
            assertThat(onnx.hasHidden()).isFalse();
            assertThat(onnx.hiddenWidth()).isZero();
            assertThat(maxAbsDifference(onnx.logits(rows), network.logits(rows))).isLessThanOrEqualTo(TOLERANCE);
            assertThatThrownBy(() -> onnx.forward(rows)).isInstanceOf(IllegalStateException.class)
                .hasMessage("the ONNX graph has no hidden output");
        }
    }

    @Test
    void shouldFindLogitsAndHiddenByNameWhateverTheirOrder() {
        Network network = TrainedNetworks.teacher(TrainedNetworks.spec(13, List.of(8, 6), 3, "tanh", 5), 3);
        float[][] rows = TrainedNetworks.gaussianRows(6, 13, new Random(22));

        try (OnnxPredictor onnx = new OnnxPredictor(OnnxGraphs.withOutputsReversed(OnnxExport.export(network, META)))) {
            assertThat(onnx.outputs()).isEqualTo(3);
            assertThat(onnx.hiddenWidth()).isEqualTo(6);
            Forward got = onnx.forward(rows);
            assertThat(maxAbsDifference(onnx.logits(rows), network.logits(rows))).isLessThanOrEqualTo(TOLERANCE);
            assertThat(maxAbsDifference(got.logits(), network.logits(rows))).isLessThanOrEqualTo(TOLERANCE);
            assertThat(maxAbsDifference(got.hidden(), network.forward(rows).hidden())).isLessThanOrEqualTo(TOLERANCE);
            assertThat(onnx.forward(new float[0][]).hidden()).isEmpty();
        }
    }

    @Test
    void shouldKeepResultsRightWhenBatchSizeGrowsAndShrinks() {
        Network network = TrainedNetworks.teacher(TrainedNetworks.spec(20, List.of(8), 3, "relu", 1), 3);
        Random random = new Random(7);
        try (OnnxPredictor onnx = new OnnxPredictor(OnnxExport.export(network, META))) {
            for (int rows : new int[] {5, 1, 40, 3, 40}) {
                float[][] x = TrainedNetworks.gaussianRows(rows, 20, random);
                float[][] logits = onnx.logits(x);
                assertThat(logits).hasNumberOfRows(rows);
                assertThat(maxAbsDifference(logits, network.logits(x))).isLessThanOrEqualTo(TOLERANCE);
            }
            assertThat(onnx.logits(new float[0][])).isEmpty();
        }
    }

    @Test
    void shouldGiveFromOneRowMajorArrayExactlyWhatTheRowsGive() {
        Network network = TrainedNetworks.student(TrainedNetworks.spec(20, List.of(8), 3, "relu", 8), 3);
        Random random = new Random(8);
        try (OnnxPredictor onnx = new OnnxPredictor(OnnxExport.export(network, META))) {
            for (int rows : new int[] {1, 32, 3, 40, 1}) {
                float[][] x = TrainedNetworks.gaussianRows(rows, 20, random);
                float[] values = new float[rows * 20 + 7];
                for (int i = 0; i < rows; i++) {
                    System.arraycopy(x[i], 0, values, i * 20, 20);
                }
                values[rows * 20] = Float.NaN;
                // the values after the batch are not read: the same answer, to the bit, as the rows'
                assertThat(onnx.logits(values, rows)).isDeepEqualTo(onnx.logits(x));
                assertThat(network.logits(values, rows)).as("the default: the rows split out")
                    .isDeepEqualTo(network.logits(x));
            }
        }
    }

    @Test
    void shouldRejectARowMajorArrayShorterThanItsRows() {
        Network network = TrainedNetworks.teacher(TrainedNetworks.spec(13, List.of(4), 2, "tanh", 2), 1);
        try (OnnxPredictor onnx = new OnnxPredictor(OnnxExport.export(network, META))) {
            assertThatThrownBy(() -> onnx.logits(new float[25], 2))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("2 rows of 13 features need 26 values, had 25");
            assertThatThrownBy(() -> onnx.logits(new float[13], 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("rows must be >= 1, was 0");
            assertThat(onnx.logits(new float[13], 1)).hasNumberOfRows(1);
            onnx.close();
            assertThatThrownBy(() -> onnx.logits(new float[13], 1))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("predictor is closed");
        }
    }

    @Test
    void shouldRejectRowOfWrongWidthNamingBothWidths() {
        Network network = TrainedNetworks.teacher(TrainedNetworks.spec(13, List.of(4), 2, "tanh", 2), 1);
        try (OnnxPredictor onnx = new OnnxPredictor(OnnxExport.export(network, META))) {
            assertThatThrownBy(() -> onnx.logits(new float[][] {new float[13], new float[12]}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 1 must have 13 features, had 12");
            assertThatThrownBy(() -> onnx.logits(new float[][] {null}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("row 0 must have 13 features, had null");
            // A refused batch leaves the predictor usable.
            assertThat(onnx.logits(new float[1][13])).hasNumberOfRows(1);
        }
    }

    @Test
    void shouldRejectBytesThatAreNotAModel() {
        assertThatThrownBy(() -> new OnnxPredictor(new byte[] {1, 2, 3}))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessageStartingWith("ONNX Runtime cannot load the model (3 bytes)");
    }

    @Test
    void shouldRefuseCallsAfterClose() {
        Network network = TrainedNetworks.teacher(TrainedNetworks.spec(4, List.of(3), 2, "relu", 3), 1);
        OnnxPredictor onnx = new OnnxPredictor(OnnxExport.export(network, META));

        onnx.close();
        onnx.close();

        assertThatThrownBy(() -> onnx.logits(new float[1][4]))
            .isInstanceOf(IllegalStateException.class)
            .hasMessage("predictor is closed");
    }

    @Test
    void shouldShareOneSessionUntilTheLastPredictorOnItCloses() throws Exception {
        Network network = TrainedNetworks.student(TrainedNetworks.spec(30, List.of(16), 4, "relu", 5), 3);
        float[][] rows = TrainedNetworks.gaussianRows(5, 30, new Random(12));
        OnnxPredictor first = new OnnxPredictor(OnnxExport.export(network, META));
        OnnxPredictor second = first.share();
        OnnxPredictor third = second.share();

        first.close();

        assertThatThrownBy(() -> first.logits(rows)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(first::share).isInstanceOf(IllegalStateException.class);
        assertThat(second.inputs()).isEqualTo(30);
        assertThat(second.outputs()).isEqualTo(4);
        assertThat(maxAbsDifference(second.logits(rows), network.logits(rows))).isLessThanOrEqualTo(TOLERANCE);
        second.close();
        // the session is still open for the last predictor on it
        assertThat(maxAbsDifference(third.logits(rows), network.logits(rows))).isLessThanOrEqualTo(TOLERANCE);
        third.close();
        third.close();
        assertThatThrownBy(() -> third.logits(rows)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldAnswerEachThreadRightOnPredictorsSharingOneSession() throws Exception {
        Network network = TrainedNetworks.student(TrainedNetworks.spec(30, List.of(16), 4, "relu", 6), 3);
        float[][][] batches = new float[8][][];
        float[][][] expected = new float[8][][];
        Random random = new Random(13);
        for (int i = 0; i < batches.length; i++) {
            batches[i] = TrainedNetworks.gaussianRows(1 + i * 3, 30, random);
            expected[i] = network.logits(batches[i]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        List<OnnxPredictor> predictors = new ArrayList<>();
        try {
            predictors.add(new OnnxPredictor(OnnxExport.export(network, META)));
            for (int i = 1; i < 4; i++) {
                predictors.add(predictors.get(0).share());
            }
            List<Future<Double>> diffs = new ArrayList<>();
            for (int round = 0; round < 25; round++) {
                for (int i = 0; i < batches.length; i++) {
                    int b = i;
                    OnnxPredictor p = predictors.get((round + i) % predictors.size());
                    diffs.add(pool.submit(() -> maxAbsDifference(p.logits(batches[b]), expected[b])));
                }
            }
            for (Future<Double> d : diffs) {
                assertThat(d.get()).isLessThanOrEqualTo(TOLERANCE);
            }
        } finally {
            pool.shutdownNow();
            predictors.forEach(OnnxPredictor::close);
        }
    }

    @Test
    void shouldGiveEachOfSeveralThreadsItsOwnAnswer() throws Exception {
        Network network = TrainedNetworks.student(TrainedNetworks.spec(30, List.of(16), 4, "relu", 4), 3);
        float[][][] batches = new float[8][][];
        float[][][] expected = new float[8][][];
        Random random = new Random(11);
        for (int i = 0; i < batches.length; i++) {
            batches[i] = TrainedNetworks.gaussianRows(1 + i * 3, 30, random);
            expected[i] = network.logits(batches[i]);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try (OnnxPredictor onnx = new OnnxPredictor(OnnxExport.export(network, META))) {
            List<Future<Double>> diffs = new ArrayList<>();
            for (int round = 0; round < 25; round++) {
                for (int i = 0; i < batches.length; i++) {
                    int b = i;
                    diffs.add(pool.submit(() -> maxAbsDifference(onnx.logits(batches[b]), expected[b])));
                }
            }
            for (Future<Double> d : diffs) {
                assertThat(d.get()).isLessThanOrEqualTo(TOLERANCE);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    private static Network trained(String role, NetworkSpec spec) {
        return role.equals("student") ? TrainedNetworks.student(spec, 5) : TrainedNetworks.teacher(spec, 5);
    }

    private static double maxAbsDifference(float[][] a, float[][] b) {
        assertThat(a).hasNumberOfRows(b.length);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            assertThat(a[i]).hasSameSizeAs(b[i]);
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }
}
