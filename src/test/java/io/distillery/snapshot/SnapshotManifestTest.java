package io.distillery.snapshot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotManifestTest {

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
        SnapshotManifest manifest = new SnapshotManifest("id", "student", "student", 1, -1, "",
                offsets, Map.of(), 0, 4, 3, null);
        offsets.put("t-1", 2L);

        assertThat(manifest.inputOffsets()).containsOnlyKeys("t-0");
        assertThat(manifest.modelSha256()).isEmpty();
        assertThatThrownBy(() -> manifest.inputOffsets().put("x", 1L))
                .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void shouldNameFieldAndValueWhenInvalid() {
        assertThatThrownBy(() -> new SnapshotManifest("id", "student", "student", -2, -1, "",
                Map.of(), Map.of(), 0, 4, 3, ""))
                .hasMessage("version must be >= 0, was -2");
        assertThatThrownBy(() -> new SnapshotManifest("id", "student", "student", 1, -1, "",
                Map.of(), Map.of(), 0, 0, 3, ""))
                .hasMessage("inputs must be > 0, was 0");
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
    }
}
