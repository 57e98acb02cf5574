package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.io.ByteArrayInputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;
import org.junit.jupiter.api.Test;

class NetworkTest {

    private static final int FEATURES = 8;
    private static final int CLASSES = 3;
    private static final NetworkSpec TEACHER = new NetworkSpec(FEATURES, List.of(32), CLASSES, "relu", "adam", 1e-2, 1);
    private static final NetworkSpec STUDENT = new NetworkSpec(FEATURES, List.of(8), CLASSES, "tanh", "adam", 1e-2, 2);
    private static final DistillationSpec KD = new DistillationSpec(2, 0.5);

    private final SyntheticBlobs train = new SyntheticBlobs(512, FEATURES, CLASSES, 1);
    private final SyntheticBlobs test = new SyntheticBlobs(256, FEATURES, CLASSES, 2);

    @Test
    void shouldLearnSeparableProblemFromHardLabels() {
        Network teacher = Network.teacher(TEACHER);
        double firstLoss = teacher.fitHard(train.x, train.y);

        double lastLoss = trainTeacher(teacher, 30);

        assertThat(lastLoss).isLessThan(firstLoss);
        assertThat(LogitMath.accuracy(teacher.predict(test.x), test.y)).isGreaterThan(0.9);
        assertThat(teacher.steps()).isEqualTo(1 + 30 * 4);
    }

    @Test
    void shouldAgreeWithTeacherAfterDistillingUnlabeledRows() {
        Network teacher = Network.teacher(TEACHER);
        trainTeacher(teacher, 30);
        Network student = Network.student(STUDENT, KD);
        float[][] teacherLogits = teacher.logits(train.x);
        int[] none = new int[train.x.length];
        Arrays.fill(none, -1);

        for (int epoch = 0; epoch < 30; epoch++) {
            for (int from = 0; from < train.x.length; from += 128) {
                student.fitDistill(slice(train.x, from), slice(teacherLogits, from), Arrays.copyOfRange(none, from, from + 128));
            }
        }

        assertThat(LogitMath.accuracy(student.predict(test.x), teacher.predict(test.x))).isGreaterThan(0.9);
    }

    @Test
    void shouldOutputLogitsOfOneRowPerInputRow() {
        Network student = Network.student(STUDENT, KD);

        float[][] logits = student.logits(test.x);

        assertThat(logits).hasNumberOfRows(test.x.length);
        assertThat(logits[0]).hasSize(CLASSES);
        assertThat(student.logits(new float[0][])).isEmpty();
        assertThat(Arrays.stream(student.predict(test.x)).allMatch(c -> c >= 0 && c < CLASSES)).isTrue();
    }

    @Test
    void shouldTrainStudentOnHardLabelsWithoutSoftTerm() {
        Network student = Network.student(STUDENT, KD);
        Network reference = Network.teacher(STUDENT);

        assertThat(student.fitHard(train.x, train.y)).isCloseTo(reference.fitHard(train.x, train.y), within(1e-5));
        assertThat(student.logits(test.x)).isDeepEqualTo(reference.logits(test.x));
    }

    @Test
    void shouldKeepCopyIndependentOfOriginal() {
        Network teacher = Network.teacher(TEACHER);
        trainTeacher(teacher, 2);
        Network copy = teacher.copy();
        float[][] before = copy.logits(test.x);

        trainTeacher(teacher, 3);

        assertThat(copy.logits(test.x)).isDeepEqualTo(before);
        assertThat(teacher.logits(test.x)).isNotEqualTo(before);
        assertThat(copy.steps()).isEqualTo(2 * 4);
    }

    @Test
    void shouldRestoreStudentFromBytesAndKeepTraining() {
        Network student = Network.student(STUDENT, KD);
        float[][] soft = Network.teacher(TEACHER).logits(train.x);
        student.fitDistill(train.x, soft, train.y);

        Network restored = Network.fromBytes(student.toBytes(true));

        assertThat(restored.isStudent()).isTrue();
        assertThat(restored.distillation()).contains(KD);
        assertThat(restored.spec()).isEqualTo(STUDENT);
        assertThat(restored.steps()).isEqualTo(1);
        assertThat(restored.logits(test.x)).isDeepEqualTo(student.logits(test.x));
        // With the updater state restored, both take the same next step.
        double loss = restored.fitDistill(train.x, soft, train.y);
        assertThat(loss).isCloseTo(student.fitDistill(train.x, soft, train.y), within(1e-6));
        assertThat(restored.logits(test.x)).isDeepEqualTo(student.logits(test.x));
    }

    @Test
    void shouldWriteAZipThatDl4jsOwnRestoreReads() throws Exception {
        Network student = Network.student(STUDENT, KD);
        student.fitDistill(train.x, Network.teacher(TEACHER).logits(train.x), train.y);

        MultiLayerNetwork read = ModelSerializer.restoreMultiLayerNetwork(
            new ByteArrayInputStream(student.toBytes(true)), true);

        assertThat(read.params()).isEqualTo(student.dl4j().params());
        assertThat(read.getUpdater().getStateViewArray()).isEqualTo(student.dl4j().getUpdater().getStateViewArray());
    }

    @Test
    void shouldStoreEveryEntrySoThatAReaderPassesTheUpdaterStateWithoutInflatingIt() throws Exception {
        Network student = Network.student(STUDENT, KD);
        student.fitHard(train.x, train.y);

        List<String> entries = new ArrayList<>();
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(student.toBytes(true)))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                assertThat(e.getMethod()).as(e.getName()).isEqualTo(ZipEntry.STORED);
                entries.add(e.getName());
            }
        }
        assertThat(entries).containsExactly("configuration.json", "coefficients.bin", "updaterState.bin",
            NetworkFormat.ENTRY);
    }

    @Test
    void shouldLeaveOutTheUpdaterStateBeforeTheFirstStepAndTrainTheSameAfterRestoring() throws Exception {
        Network fresh = Network.student(STUDENT, KD);
        byte[] bytes = fresh.toBytes(true);
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(bytes))) {
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                assertThat(e.getName()).isNotEqualTo("updaterState.bin");
            }
        }

        Network restored = Network.fromBytes(bytes);
        fresh.fitHard(train.x, train.y);
        restored.fitHard(train.x, train.y);

        assertThat(restored.logits(test.x)).isDeepEqualTo(fresh.logits(test.x));
    }

    @Test
    void shouldRestoreStudentWithoutUpdaterStateForPrediction() {
        Network student = Network.student(STUDENT, KD);
        float[][] soft = Network.teacher(TEACHER).logits(train.x);
        student.fitDistill(train.x, soft, train.y);
        byte[] bytes = student.toBytes(true);

        Network predicting = Network.fromBytes(bytes, false);
        Network training = Network.fromBytes(bytes, true);

        assertThat(predicting.logits(test.x)).isDeepEqualTo(student.logits(test.x));
        assertThat(predicting.steps()).isEqualTo(1);
        // without the updater state its next step differs from the one the restored state takes
        assertThat(predicting.fitDistill(train.x, soft, train.y))
                .isCloseTo(training.fitDistill(train.x, soft, train.y), within(1e-6));
        assertThat(predicting.logits(test.x)).isNotEqualTo(training.logits(test.x));
    }

    @Test
    void shouldRestoreTeacherWithoutUpdater() {
        Network teacher = Network.teacher(TEACHER);
        trainTeacher(teacher, 1);

        byte[] small = teacher.toBytes(false);
        Network restored = Network.fromBytes(small);

        assertThat(small.length).isLessThan(teacher.toBytes(true).length);
        assertThat(restored.isStudent()).isFalse();
        assertThat(restored.logits(test.x)).isDeepEqualTo(teacher.logits(test.x));
        assertThat(restored.fitHard(train.x, train.y)).isFinite();
    }

    @Test
    void shouldRejectBytesThatAreNotANetwork() {
        assertThatThrownBy(() -> Network.fromBytes(new byte[] {1, 2, 3}))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldChangeLearningRateAndResetUpdater() {
        Network teacher = Network.teacher(TEACHER);
        trainTeacher(teacher, 2);

        teacher.setLearningRate(0.05);
        teacher.resetUpdaterState();

        assertThat(teacher.learningRate()).isEqualTo(0.05, within(1e-12));
        assertThat(teacher.spec().learningRate()).isEqualTo(1e-2);
        assertThat(teacher.fitHard(train.x, train.y)).isFinite();
        assertThat(teacher.steps()).isEqualTo(2 * 4 + 1);
        assertThatThrownBy(() -> teacher.setLearningRate(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectRowsOfWrongWidthWithClearMessage() {
        Network student = Network.student(STUDENT, KD);

        assertThatThrownBy(() -> student.logits(new float[][] {new float[FEATURES], new float[3]}))
                .hasMessage("row 1 must have 8 features, had 3");
        assertThatThrownBy(() -> student.fitDistill(new float[1][FEATURES], new float[][] {new float[2]}, new int[] {-1}))
                .hasMessage("teacher logits of row 0 must have 3 values, had 2");
        assertThatThrownBy(() -> student.fitDistill(new float[1][FEATURES], new float[1][CLASSES], new int[] {3}))
                .hasMessage("label of row 0 must be in [0, 3) or -1 for none, was 3");
        assertThatThrownBy(() -> student.fitHard(new float[2][FEATURES], new int[] {0}))
                .hasMessage("labels must have one entry per row: 2 rows, 1 labels");
        assertThatThrownBy(() -> student.fitHard(new float[1][FEATURES], new int[] {-1}))
                .hasMessage("fitHard needs a label on every row; row 0 has -1");
    }

    @Test
    void shouldRefuseToDistillIntoTeacher() {
        Network teacher = Network.teacher(TEACHER);

        assertThatThrownBy(() -> teacher.fitDistill(train.x, new float[train.x.length][CLASSES], train.y))
                .isInstanceOf(IllegalStateException.class);
    }

    private double trainTeacher(Network teacher, int epochs) {
        double loss = Double.NaN;
        for (int epoch = 0; epoch < epochs; epoch++) {
            for (int from = 0; from < train.x.length; from += 128) {
                loss = teacher.fitHard(slice(train.x, from), Arrays.copyOfRange(train.y, from, from + 128));
            }
        }
        return loss;
    }

    private static float[][] slice(float[][] rows, int from) {
        return Arrays.copyOfRange(rows, from, from + 128);
    }
}
