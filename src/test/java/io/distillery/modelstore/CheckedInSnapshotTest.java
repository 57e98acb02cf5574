package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.spec.DistillationSpec;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/**
 * Snapshots written by earlier releases must keep loading. {@code student-v1.dsnp} was written by
 * {@code io.distillery.model.WriteSnapshotFixture} (4-6-3 tanh student, T=2, alpha=0.5, 8 steps) and is signed with
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
        SnapshotCodec codec = SnapshotFixtures.CODEC;
        Snapshot snapshot = codec.decode(resource(V1));

        Network student;
        try (RoleMetrics metrics = new RoleMetrics()) {
            student = SnapshotVerifier.ofNetworks("student", 4, 3, codec, metrics, "student")
                .verify(resource(V1), -1).model().network();
        }

        assertThat(snapshot.manifest().model()).isEqualTo("student");
        assertThat(snapshot.manifest().version()).isEqualTo(1);
        assertThat(student.isStudent()).isTrue();
        assertThat(student.distillation()).contains(new DistillationSpec(2, 0.5));
        assertThat(student.steps()).isEqualTo(8);
        assertThat(student.logits(PROBE)[0]).containsExactly(V1_PROBE_LOGITS, within(1e-5f));
        assertThat(student.fitDistill(PROBE, new float[][] {{1, 0, 0}}, new int[] {-1})).isFinite();
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
