package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DriftScheduleTest {
    @Test
    void shouldSwitchConceptAtAbruptPosition() {
        DriftSchedule d = DriftSchedule.parse("abrupt@100");
        assertThat(d.mixAt(99)).isEqualTo(new DriftSchedule.Mix(0, 1.0));
        assertThat(d.mixAt(100)).isEqualTo(new DriftSchedule.Mix(1, 1.0));
    }

    @Test
    void shouldRiseLinearlyThroughGradualDrift() {
        DriftSchedule d = DriftSchedule.parse("gradual@100:100, abrupt@500");
        assertThat(d.mixAt(149).weight()).isCloseTo(0.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(d.mixAt(149).concept()).isEqualTo(1);
        assertThat(d.mixAt(300)).isEqualTo(new DriftSchedule.Mix(1, 1.0));
        assertThat(d.mixAt(500)).isEqualTo(new DriftSchedule.Mix(2, 1.0));
        assertThat(d.toString()).isEqualTo("gradual@100:100,abrupt@500");
    }

    @Test
    void shouldNameBadEvent() {
        assertThatThrownBy(() -> DriftSchedule.parse("sudden@5")).hasMessageContaining("bad drift event 'sudden@5'");
        assertThatThrownBy(() -> DriftSchedule.parse("gradual@5")).hasMessageContaining("POS:WIDTH");
        assertThat(DriftSchedule.parse(" ").events()).isEmpty();
    }
}
