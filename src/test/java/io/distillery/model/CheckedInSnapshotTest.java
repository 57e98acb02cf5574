package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.snapshot.LibraryVersions;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Snapshots written by earlier releases must keep loading. {@code student-v1.dsnp} was written by
 * {@link #regenerate()} (4-6-3 tanh student, T=2, alpha=0.5, 8 steps) and is signed with
 * {@link SnapshotFixtures#TEST_KEY}, the ASCII bytes of "distillery-test-hmac-key-v1".
 * Never regenerate a released file: add a new one (student-v2.dsnp) next to it instead.
 */
class CheckedInSnapshotTest {

    private static final String V1 = "snapshots/student-v1.dsnp";
    private static final float[][] PROBE = {{0.5f, -1f, 2f, 0.25f}};
    /** Logits of PROBE recorded when student-v1.dsnp was written. */
    private static final float[] V1_PROBE_LOGITS = {-0.4294213f, -0.22970355f, -0.13440417f};

    @Test
    void shouldLoadStudentSnapshotWrittenByVersion1() throws Exception {
        Snapshot snapshot = new SnapshotCodec(SnapshotFixtures.TEST_KEY).decode(resource(V1));

        Network student = new SnapshotLoader().load(snapshot, 4, 3);

        assertThat(snapshot.manifest().model()).isEqualTo("student");
        assertThat(snapshot.manifest().version()).isEqualTo(1);
        assertThat(student.isStudent()).isTrue();
        assertThat(student.distillation()).contains(new DistillationSpec(2, 0.5));
        assertThat(student.steps()).isEqualTo(8);
        assertThat(student.logits(PROBE)[0]).containsExactly(V1_PROBE_LOGITS, within(1e-5f));
        assertThat(student.fitDistill(PROBE, new float[][] {{1, 0, 0}}, new int[] {-1})).isFinite();
    }

    /** Rewrites the checked-in file: {@code mvn test -Dtest=CheckedInSnapshotTest -Ddistillery.regenerate=true}. */
    @Test
    @EnabledIfSystemProperty(named = "distillery.regenerate", matches = "true")
    void regenerate() throws IOException {
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
        SnapshotManifest manifest = new SnapshotManifest("student-v1-fixture", "student", "student", 1, 8,
                SnapshotManifest.configHash(Map.of("student.temperature", "2", "student.alpha", "0.5")),
                Map.of("distill.teacher.logits-0", 64L), LibraryVersions.current(), 1_732_280_000_000L,
                4, 3, "");
        byte[] bytes = new SnapshotCodec(SnapshotFixtures.TEST_KEY)
                .encode(Snapshot.of(manifest, student.toBytes(false)));
        Path file = Path.of("src/test/resources", V1);
        Files.createDirectories(file.getParent());
        Files.write(file, bytes);
        System.out.println("wrote " + file + " (" + bytes.length + " bytes); probe logits "
                + Arrays.toString(student.logits(PROBE)[0]));
    }

    private static byte[] resource(String name) throws IOException {
        try (InputStream in = CheckedInSnapshotTest.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IOException("missing test resource " + name);
            }
            return in.readAllBytes();
        }
    }
}
