package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;
import org.junit.jupiter.api.Test;

/** The probe outputs' form in a manifest. */
class ProbeOutputsTest {
    private static final float[][] ROWS = {{1.5f, -0.0f, Float.MIN_VALUE}, {Float.MAX_VALUE, 3.25e-7f, -2f}};

    @Test
    void shouldReadBackEveryFloatToTheBit() {
        float[][] back = ProbeOutputs.decode(ProbeOutputs.encode(ROWS), 2, 3);

        for (int i = 0; i < ROWS.length; i++) {
            for (int j = 0; j < ROWS[i].length; j++) {
                assertThat(Float.floatToRawIntBits(back[i][j])).isEqualTo(Float.floatToRawIntBits(ROWS[i][j]));
            }
        }
    }

    @Test
    void shouldWriteLittleEndianFloat32RowAfterRow() {
        // 1.0f is 0x3f800000, -2.0f 0xc0000000: AACAPw== and AAAAwA== in base64, little-endian
        assertThat(ProbeOutputs.encode(new float[][] {{1f}, {-2f}})).isEqualTo("AACAPwAAAMA=");
    }

    @Test
    void shouldAnswerNullForTextOfAnotherShapeOrNone() {
        String text = ProbeOutputs.encode(ROWS);

        assertThat(ProbeOutputs.decode(text, 3, 2)).isNotNull();
        assertThat(ProbeOutputs.decode(text, 2, 4)).isNull();
        assertThat(ProbeOutputs.decode(text, 1, 3)).isNull();
        assertThat(ProbeOutputs.decode("", 0, 3)).isNull();
        assertThat(ProbeOutputs.decode(text, 6, 0)).isNull();
    }

    @Test
    void shouldRecordLogitsAndHiddenInTheManifestAndNothingForAMissingHiddenOutput() {
        SnapshotManifest m = SnapshotFixtures.manifest(4, 3);

        SnapshotManifest both = new ProbeOutputs(ROWS, new float[][] {{7f}, {8f}}).recordIn(m);
        SnapshotManifest logitsOnly = new ProbeOutputs(ROWS, null).recordIn(m);

        assertThat(both.probeLogits()).isEqualTo(ProbeOutputs.encode(ROWS));
        assertThat(ProbeOutputs.decode(both.probeHidden(), 2, 1)).isDeepEqualTo(new float[][] {{7f}, {8f}});
        assertThat(logitsOnly.probeHidden()).isEmpty();
        assertThat(logitsOnly.toBuilder().build()).isEqualTo(logitsOnly);
        assertThat(m.probeLogits()).isEmpty();
    }
}
