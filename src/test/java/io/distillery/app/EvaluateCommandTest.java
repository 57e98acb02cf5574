package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.inference.OnnxPredictor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code evaluate} on a snapshot file and a labeled JSON-lines file: no broker needed. */
class EvaluateCommandTest {
    private static final Path SNAPSHOT = Path.of("src/test/resources/snapshots/student-v1.dsnp");

    @TempDir
    Path dir;

    private String[] run(int expectedExit, String key, String... extra) throws Exception {
        Path data = dir.resolve("held-out.jsonl");
        Files.writeString(data, "{\"id\":\"a\",\"features\":[0.5,-1,2,0.25],\"label\":0}\n"
            + "{\"id\":\"b\",\"features\":[1,1,1,1],\"label\":2}\n"
            + "{\"id\":\"c\",\"features\":[0,0,0,0]}\n"
            + "{\"id\":\"d\",\"features\":[0,0,0],\"label\":1}\n");
        String[] base = {"evaluate", "--snapshot", SNAPSHOT.toString(), "--data", data.toString(),
            "--set", "data.features=4", "--set", "data.classes=3", "--set", "snapshot.hmac.key=" + key};
        String[] args = new String[base.length + extra.length];
        System.arraycopy(base, 0, args, 0, base.length);
        System.arraycopy(extra, 0, args, base.length, extra.length);
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(exit).as("%s %s", out, err).isEqualTo(expectedExit);
        return new String[] {out.toString(), err.toString()};
    }

    @Test
    void shouldScoreSnapshotOnTheValidLabeledRecordsAndSaveIt() throws Exception {
        Path saved = dir.resolve("copy.dsnp");
        String out = run(0, "distillery-test-hmac-key-v1", "--save", saved.toString())[0];
        // the unlabeled record and the one with three features are not scored
        assertThat(out).containsPattern("student v1 on 2 held-out records: accuracy (0|0\\.5|1)\\.\\d{4}");
        assertThat(Files.readAllBytes(saved)).isEqualTo(Files.readAllBytes(SNAPSHOT));
    }

    @Test
    void shouldExportTheVerifiedOnnxGraphOfAPreviousFormatSnapshot() throws Exception {
        Path onnx = dir.resolve("student.onnx");
        String out = run(0, "distillery-test-hmac-key-v1", "--export-onnx", onnx.toString())[0];

        assertThat(out).contains("exported student v1 as ONNX to " + onnx);
        try (OnnxPredictor p = new OnnxPredictor(Files.readAllBytes(onnx))) {
            assertThat(p.inputs()).isEqualTo(4);
            assertThat(p.outputs()).isEqualTo(3);
        }
    }

    @Test
    void shouldRefuseSnapshotSignedWithAnotherKey() throws Exception {
        String err = run(2, "some-other-key-of-enough-length")[1];
        assertThat(err).contains("rejected (bad_signature)");
    }
}
