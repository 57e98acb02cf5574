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
        return new SnapshotManifest("student-7", "student", "student", 7, 3,
                SnapshotManifest.configHash(Map.of("student.batch.size", "128")),
                Map.of("distill.teacher.logits-0", 42L, "distill.teacher.logits-1", 17L),
                LibraryVersions.current(), 1_732_280_000_000L, inputs, outputs, "");
    }
}
