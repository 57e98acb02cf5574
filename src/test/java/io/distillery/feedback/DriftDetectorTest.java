package io.distillery.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.testing.DriftVectors;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Both detectors against the indices MOA 2024.07 produced on the reference vectors. */
class DriftDetectorTest {

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stationary-s1", "stationary-s2", "abrupt-s1", "abrupt-s2", "gradual-s1",
        "gradual-s2", "divergence-s1", "divergence-s2"})
    void shouldFireAdwinAtMoaIndices(String stream) {
        assertThat(Detections.of(new Adwin(0.002), DriftVectors.values(stream)))
            .isEqualTo(DriftVectors.moaDetections(stream, "ADWIN"));
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"stationary-s1", "stationary-s2", "abrupt-s1", "abrupt-s2", "gradual-s1",
        "gradual-s2", "divergence-s1", "divergence-s2"})
    void shouldFirePageHinkleyAtMoaIndices(String stream) {
        assertThat(Detections.of(new PageHinkley(30, 0.005, 50, 0.9999), DriftVectors.values(stream)))
            .isEqualTo(DriftVectors.moaDetections(stream, "PageHinkley"));
    }

    @Test
    void shouldStaySilentOnStationaryStreams() {
        for (String s : List.of("stationary-s1", "stationary-s2")) {
            assertThat(Detections.of(new Adwin(), DriftVectors.values(s))).as("ADWIN on " + s).isEmpty();
            assertThat(Detections.of(new PageHinkley(), DriftVectors.values(s))).as("PH on " + s).isEmpty();
        }
    }

    @Test
    void shouldContinueIdenticallyAfterSnapshotAndRestore() {
        double[] values = DriftVectors.values("gradual-s1");
        for (Supplier<DriftDetector> kind : List.<Supplier<DriftDetector>>of(Adwin::new, PageHinkley::new)) {
            DriftDetector first = kind.get();
            List<Long> split = new ArrayList<>();
            DriftDetector current = first;
            for (int i = 0; i < values.length; i++) {
                if (i % 3_001 == 3_000) {
                    DriftDetector restored = kind.get();
                    restored.restore(current.snapshot());
                    current = restored;
                }
                if (current.add(values[i])) {
                    split.add((long) i);
                }
            }
            assertThat(split).as(first.name()).isEqualTo(Detections.of(kind.get(), values)).isNotEmpty();
        }
    }

    @Test
    void shouldRejectSnapshotOfUnknownVersion() {
        byte[] bytes = new Adwin().snapshot();
        bytes[0] = 9;
        assertThatThrownBy(() -> new Adwin().restore(bytes)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("ADWIN snapshot has unknown format version 9");
        assertThatThrownBy(() -> new PageHinkley().restore(new byte[] {1, 0}))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("truncated");
    }

    @Test
    void shouldNotReportAdwinCutWhenMeanFalls() {
        Adwin adwin = new Adwin();
        int reported = 0;
        for (int i = 0; i < 4_000; i++) {
            reported += adwin.add(i < 2_000 ? 1.0 : 0.0) ? 1 : 0;
        }
        assertThat(adwin.cuts()).isPositive();
        assertThat(reported).isZero();
        assertThat(adwin.estimation()).isLessThan(0.1);
    }
}
