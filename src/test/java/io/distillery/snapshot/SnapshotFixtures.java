package io.distillery.snapshot;

import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Shared test data for snapshot tests. */
public final class SnapshotFixtures {

    /** The legacy HMAC key of the checked-in format-1 snapshots and of the format-2 ones tests write. */
    public static final byte[] TEST_KEY =
            "distillery-test-hmac-key-v1".getBytes(StandardCharsets.US_ASCII);

    /** The test signing key, as {@code openssl genpkey -algorithm ed25519} wrote it. */
    public static final String SIGNING_PEM = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIDPeZJm2QCeiNPxuqleD7G5MGokvY9BRBvUyW4QP4wDn
            -----END PRIVATE KEY-----
            """;
    /** Its public half, as {@code openssl pkey -pubout} wrote it. */
    public static final String VERIFY_PEM = """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEAJ03YSNMIyThNIkMSSP2Nwd72M01A0ovgmyjUJoIP+HI=
            -----END PUBLIC KEY-----
            """;
    /** A second pair, for rotation and foreign writers. */
    public static final String OTHER_SIGNING_PEM = """
            -----BEGIN PRIVATE KEY-----
            MC4CAQAwBQYDK2VwBCIEIBZJalDRd2KNmlIgJOK1/OV3QXBDaGDn1E9AwdeNCdVA
            -----END PRIVATE KEY-----
            """;
    public static final String OTHER_VERIFY_PEM = """
            -----BEGIN PUBLIC KEY-----
            MCowBQYDK2VwAyEAhss0SMHvAkL9qXHXkWD6DWOQqsRXcmmdl5t+NBR7FHg=
            -----END PUBLIC KEY-----
            """;
    /** Signs with the test key; verifies it and, for the checked-in snapshots, the legacy HMAC. */
    public static final SnapshotKeys KEYS = SnapshotKeys.of(SIGNING_PEM, VERIFY_PEM, TEST_KEY);
    public static final SnapshotCodec CODEC = new SnapshotCodec(KEYS);

    /** The settings that give a role the test keys. */
    public static Map<String, String> keySettings() {
        return Map.of("snapshot.signing.key", SIGNING_PEM, "snapshot.verify.keys", VERIFY_PEM);
    }

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
