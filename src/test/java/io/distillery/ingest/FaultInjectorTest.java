package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.DataSettings;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.records.RejectReason;
import java.time.Clock;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FaultInjectorTest {
    @Test
    void shouldBreakEachWayInTurnAndValidatorNamesEach() {
        InputCodec codec = new InputCodec(new DataSettings(16, 4, 4096));
        FaultInjector faults = new FaultInjector(1.0, 3, codec);
        SyntheticStream s = new SyntheticStream(SyntheticStream.Params.of(16, 4, 3), DriftSchedule.none(), Clock.systemUTC());
        Map<RejectReason, Long> seen = new EnumMap<>(RejectReason.class);
        for (int i = 0; i < 60; i++) {
            byte[] broken = faults.maybeBreak(s.next().record());
            Decoded d = codec.decode(broken);
            assertThat(d.valid()).isFalse();
            seen.merge(d.reason(), 1L, Long::sum);
        }
        assertThat(seen).isEqualTo(faults.injected());
        assertThat(seen.keySet()).containsExactlyInAnyOrder(FaultInjector.FAULTS);
        assertThat(seen.values()).allMatch(n -> n == 10);
    }

    @Test
    void shouldLeaveRecordsWholeAtRateZero() {
        InputCodec codec = new InputCodec(new DataSettings(4, 2, 4096));
        FaultInjector faults = new FaultInjector(0.0, 3, codec);
        SyntheticStream s = new SyntheticStream(SyntheticStream.Params.of(4, 2, 3), DriftSchedule.none(), Clock.systemUTC());
        for (int i = 0; i < 100; i++) {
            assertThat(faults.maybeBreak(s.next().record())).isNull();
        }
        assertThat(faults.injected()).isEmpty();
    }
}
