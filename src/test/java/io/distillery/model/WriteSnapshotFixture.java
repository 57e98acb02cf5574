package io.distillery.model;

import io.distillery.snapshot.LibraryVersions;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Writes a checked-in snapshot fixture (a tool, not a test). Never rewrite a released file; write a
 * new version beside it and a test that loads it:
 * {@code mvn -q test-compile && java -cp target/classes:target/test-classes:$(cat target/classpath.txt)
 * io.distillery.model.WriteSnapshotFixture} (classpath from {@code mvn dependency:build-classpath
 * -Dmdep.outputFile=target/classpath.txt}).
 */
final class WriteSnapshotFixture {
    private static final String V1 = "snapshots/student-v1.dsnp";
    private static final float[][] PROBE = {{0.5f, -1f, 2f, 0.25f}};

    private WriteSnapshotFixture() {
    }

    public static void main(String[] args) throws IOException {
        Network teacher = Network.teacher(new NetworkSpec(4, List.of(16), 3, "relu", "adam", 1e-2, 11));
        Network student = Network.student(new NetworkSpec(4, List.of(6), 3, "tanh", "adam", 1e-2, 12),
                new DistillationSpec(2, 0.5));
        SyntheticBlobs data = new SyntheticBlobs(64, 4, 3, 3);
        int[] someLabels = Arrays.copyOf(data.y, data.y.length);
        Arrays.fill(someLabels, 32, 64, -1);
        for (int i = 0; i < 8; i++) {
            teacher.fitHard(data.x, data.y);
            student.fitDistill(data.x, teacher.logits(data.x), someLabels);
        }
        SnapshotManifest manifest = SnapshotManifest.builder()
                .id("student-v1-fixture").model("student").role("student").version(1).parentTeacherVersion(8)
                .configHash(SnapshotManifest.configHash(Map.of("student.temperature", "2", "student.alpha", "0.5")))
                .inputOffsets(Map.of("distill.teacher.logits-0", 64L)).libraryVersions(LibraryVersions.current())
                .createdAtMs(1_732_280_000_000L).shape(4, 3)
                .build();
        byte[] bytes = SnapshotFixtures.CODEC
                .encode(Snapshot.of(manifest, student.toBytes(false)));
        Path file = Path.of("src/test/resources", args.length > 0 ? args[0] : V1);
        if (Files.exists(file)) {
            throw new IllegalStateException(file + " exists: released fixtures are never rewritten; name a new file");
        }
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        System.out.println("wrote " + file + " (" + bytes.length + " bytes); probe logits "
                + Arrays.toString(student.logits(PROBE)[0]));
    }
}
