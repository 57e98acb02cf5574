package io.distillery.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Shared test data for snapshot tests. */
public final class SnapshotFixtures {

    /** The HMAC key of the test snapshots, including the checked-in ones. */
    public static final byte[] TEST_KEY =
            "distillery-test-hmac-key-v1".getBytes(StandardCharsets.US_ASCII);

    private SnapshotFixtures() {
    }

    /** A student manifest of the given shape, without checksum. */
    public static SnapshotManifest manifest(int inputs, int outputs) {
        return SnapshotManifest.builder()
                .id("student-7").model("student").role("student").version(7).parentTeacherVersion(3)
                .configHash(SnapshotManifest.configHash(Map.of("student.batch.size", "128")))
                .inputOffsets(Map.of("distill.teacher.logits-0", 42L, "distill.teacher.logits-1", 17L))
                .libraryVersions(LibraryVersions.current()).createdAtMs(1_732_280_000_000L)
                .shape(inputs, outputs)
                .build();
    }
}
