package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.records.InputRecord;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SyntheticStreamTest {
    private static final Clock FIXED = Clock.fixed(Instant.ofEpochMilli(1_732_280_000_000L), ZoneOffset.UTC);

    private static List<InputRecord> take(SyntheticStream s, int n) {
        List<InputRecord> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            out.add(s.next().record());
        }
        return out;
    }

    @Test
    void shouldGiveSameRecordsForSameSeed() {
        DriftSchedule drift = DriftSchedule.parse("abrupt@500,gradual@800:100");
        List<InputRecord> a = take(new SyntheticStream(SyntheticStream.Params.of(8, 4, 7), drift, FIXED), 1000);
        List<InputRecord> b = take(new SyntheticStream(SyntheticStream.Params.of(8, 4, 7), drift, FIXED), 1000);
        assertThat(a).isEqualTo(b);
        List<InputRecord> c = take(new SyntheticStream(SyntheticStream.Params.of(8, 4, 8), drift, FIXED), 1000);
        assertThat(c).isNotEqualTo(a);
    }

    @Test
    void shouldLabelEveryRecordWithinRangeAndUniqueIds() {
        List<InputRecord> rs = take(new SyntheticStream(SyntheticStream.Params.of(5, 3, 1), DriftSchedule.none(), FIXED), 3000);
        assertThat(rs).allSatisfy(r -> {
            assertThat(r.label()).isBetween(0, 2);
            assertThat(r.features()).hasSize(5);
            assertThat(r.ts()).isEqualTo(FIXED.millis());
        });
        assertThat(rs.stream().map(InputRecord::id).distinct().count()).isEqualTo(3000);
        assertThat(rs.stream().filter(r -> r.label() == 0).count()).isBetween(850L, 1150L);
    }

    @Test
    void shouldMoveClassCentresAtAbruptDrift() {
        SyntheticStream s = new SyntheticStream(SyntheticStream.Params.of(6, 2, 3), DriftSchedule.parse("abrupt@4000"), FIXED);
        double[] before = meanOfClass0(take(s, 4000));
        double[] after = meanOfClass0(take(s, 4000));
        double[] stillBefore = meanOfClass0(take(new SyntheticStream(SyntheticStream.Params.of(6, 2, 3),
            DriftSchedule.none(), FIXED), 8000).subList(4000, 8000));
        assertThat(distance(before, after)).isGreaterThan(0.5);
        assertThat(distance(before, stillBefore)).isLessThan(0.2);
    }

    @Test
    void shouldRejectNonsenseParameters() {
        assertThatThrownBy(() -> new SyntheticStream.Params(0, 3, 1, 1, 1, 1)).hasMessageContaining("dims > 0");
    }

    private static double[] meanOfClass0(List<InputRecord> rs) {
        double[] m = new double[rs.get(0).features().length];
        long n = 0;
        for (InputRecord r : rs) {
            if (r.label() == 0) {
                n++;
                for (int i = 0; i < m.length; i++) {
                    m[i] += r.features()[i];
                }
            }
        }
        for (int i = 0; i < m.length; i++) {
            m[i] /= n;
        }
        return m;
    }

    private static double distance(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (a[i] - b[i]);
        }
        return Math.sqrt(s);
    }
}
