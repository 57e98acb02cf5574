package io.distillery.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotManifestTest {

    private static final String SHA_A = "a".repeat(64);
    private static final String SHA_B = "b".repeat(64);

    @Test
    void shouldHashConfigIndependentlyOfInsertionOrder() {
        Map<String, String> a = new HashMap<>();
        a.put("b", "2");
        a.put("a", "1");

        assertThat(SnapshotManifest.configHash(a))
                .isEqualTo(SnapshotManifest.configHash(Map.of("a", "1", "b", "2")))
                .matches("[0-9a-f]{64}");
    }

    @Test
    void shouldHashSortedKeyValueLines() {
        // sha256("a=1\nb=2\n")
        assertThat(SnapshotManifest.configHash(Map.of("b", "2", "a", "1")))
                .isEqualTo(Hashes.sha256Hex("a=1\nb=2\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    }

    @Test
    void shouldNotConfuseValueContainingNewlineWithTwoSettings() {
        assertThat(SnapshotManifest.configHash(Map.of("a", "1\nb=2")))
                .isNotEqualTo(SnapshotManifest.configHash(Map.of("a", "1", "b", "2")));
    }

    @Test
    void shouldCopyMapsUnmodifiably() {
        Map<String, Long> offsets = new HashMap<>(Map.of("t-0", 1L));
        SnapshotManifest manifest = minimal().inputOffsets(offsets).modelSha256(null).build();
        offsets.put("t-1", 2L);

        assertThat(manifest.inputOffsets()).containsOnlyKeys("t-0");
        assertThat(manifest.modelSha256()).isEmpty();
        assertThat(manifest.onnxSha256()).isEmpty();
        assertThat(manifest.hasOnnx()).isFalse();
        assertThatThrownBy(() -> manifest.inputOffsets().put("x", 1L))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void shouldNameFieldAndValueWhenInvalid() {
        assertThatThrownBy(() -> minimal().version(-2).build())
                .hasMessage("version must be >= 0, was -2");
        assertThatThrownBy(() -> minimal().shape(0, 3).build())
                .hasMessage("inputs must be > 0, was 0");
        assertThatThrownBy(() -> minimal().onnxSha256("ABC").build())
                .hasMessage("onnxSha256 must be 64 lower-case hex digits or empty, was ABC");
    }

    @Test
    void shouldRequireIdentityAndShapeWhenBuilt() {
        assertThatThrownBy(() -> SnapshotManifest.builder().build())
                .hasMessage("id must not be blank, was null");
        assertThatThrownBy(() -> SnapshotManifest.builder().id("id").model("student").role("student").build())
                .hasMessage("version must be >= 0, was -1");
    }

    @Test
    void shouldCopyEveryFieldIntoBuilder() {
        SnapshotManifest manifest = SnapshotFixtures.manifest(4, 3).toBuilder()
                .modelSha256(SHA_A).onnxSha256(SHA_B).probe("AACAPw==", "AAAAwA==").build();

        assertThat(manifest.toBuilder().build()).isEqualTo(manifest);
        assertThat(manifest.toBuilder().build().probeHidden()).isEqualTo("AAAAwA==");
        assertThat(manifest.hasOnnx()).isTrue();
        assertThat(manifest.withModelSha256(SHA_B).onnxSha256()).isEqualTo(SHA_B);
    }

    @Test
    void shouldReadManifestWrittenBeforeOnnxFieldExisted() throws Exception {
        // the JSON of a format-1 manifest: every field of then, no onnxSha256
        String json = "{\"configHash\":\"\",\"createdAtMs\":0,\"id\":\"id\",\"inputOffsets\":{},"
                + "\"inputs\":4,\"libraryVersions\":{},\"model\":\"student\",\"modelSha256\":\"" + SHA_A
                + "\",\"outputs\":3,\"parentTeacherVersion\":-1,\"role\":\"student\",\"version\":1}";

        SnapshotManifest manifest = new ObjectMapper().readValue(json, SnapshotManifest.class);

        assertThat(manifest).isEqualTo(minimal().modelSha256(SHA_A).build());
        assertThat(manifest.hasOnnx()).isFalse();
        assertThat(manifest.probeLogits()).isEmpty();
        assertThat(manifest.probeHidden()).isEmpty();
    }

    @Test
    void shouldWriteAndReadProbeOutputsAndRefuseTextThatIsNotBase64() throws Exception {
        SnapshotManifest manifest = minimal().probe("AACAPwAAAMA=", "").build();
        ObjectMapper json = new ObjectMapper();

        assertThat(json.readValue(json.writeValueAsBytes(manifest), SnapshotManifest.class)).isEqualTo(manifest);
        assertThatThrownBy(() -> minimal().probe("not base64!", "").build())
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("probeLogits must be base64 or empty, was not base64!");
        assertThatThrownBy(() -> minimal().probe("", "A").build())
                .hasMessageStartingWith("probeHidden must be base64 or empty");
    }

    private static SnapshotManifest.Builder minimal() {
        return SnapshotManifest.builder().id("id").model("student").role("student").version(1).shape(4, 3);
    }

    @Test
    void shouldReportLibraryVersions() {
        assertThat(LibraryVersions.current())
                .containsKeys("java", "dl4j", "nd4j", "distillery")
                .containsEntry("dl4j", "1.0.0-M2.1");
    }

    @Test
    void shouldTagRejectionsInLowerCase() {
        assertThat(Rejection.BAD_SIGNATURE.tag()).isEqualTo("bad_signature");
        assertThat(Rejection.ONNX_MISMATCH.tag()).isEqualTo("onnx_mismatch");
    }
}
