package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class IdleReplayTest {
    private static final long MS = 1_000_000;
    private final AtomicLong now = new AtomicLong(5 * MS);

    @Test
    void shouldReplayWhileCaughtUpUntilTheSliceEnds() {
        IdleReplay idle = new IdleReplay(50, 1000, 1, now::get);
        idle.beginSlice();

        assertThat(idle.another(0)).isTrue();
        now.addAndGet(49 * MS);
        assertThat(idle.another(0)).isTrue();
        now.addAndGet(MS);
        assertThat(idle.another(0)).as("the slice is over: poll again").isFalse();

        idle.beginSlice();
        assertThat(idle.another(0)).as("a new slice after the poll").isTrue();
    }

    @Test
    void shouldStopAtOnceWhenRecordsWait() {
        IdleReplay idle = new IdleReplay(50, 1000, 1, now::get);
        idle.beginSlice();

        assertThat(idle.another(1)).isFalse();
        assertThat(idle.another(4096)).isFalse();
        assertThat(idle.another(0)).isTrue();
    }

    @Test
    void shouldCountALagBelowOneBatchAsCaughtUp() {
        IdleReplay idle = new IdleReplay(50, 1000, 128, now::get);
        idle.beginSlice();

        assertThat(idle.another(0)).isTrue();
        assertThat(idle.another(127)).as("fewer records wait than one step takes").isTrue();
        assertThat(idle.another(128)).as("a batch waits: the stream comes first").isFalse();
        assertThatThrownBy(() -> new IdleReplay(50, 1000, 0, now::get)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldTakeAtMostMaxStepsSinceTheLastNewRecords() {
        IdleReplay idle = new IdleReplay(50, 3, 1, now::get);
        for (int slice = 0; slice < 3; slice++) {
            idle.beginSlice();
            assertThat(idle.another(0)).isTrue();
            idle.stepped();
        }
        idle.beginSlice();
        assertThat(idle.another(0)).as("the cap holds across slices while no record arrives").isFalse();

        idle.restart();
        assertThat(idle.another(0)).as("new records start the cap again").isTrue();
    }

    @Test
    void shouldBeOffWithAZeroSliceOrAZeroCap() {
        IdleReplay noSlice = new IdleReplay(0, 1000, 1, now::get);
        IdleReplay noSteps = new IdleReplay(50, 0, 1, now::get);
        noSlice.beginSlice();
        noSteps.beginSlice();

        assertThat(noSlice.enabled()).isFalse();
        assertThat(noSlice.another(0)).isFalse();
        assertThat(noSteps.enabled()).isFalse();
        assertThat(noSteps.another(0)).isFalse();
        assertThat(new IdleReplay(50, 1000, 1, now::get).enabled()).isTrue();
    }

    @Test
    void shouldRejectNegativeSettings() {
        assertThatThrownBy(() -> new IdleReplay(-1, 10, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new IdleReplay(10, -1, 1, now::get)).isInstanceOf(IllegalArgumentException.class);
    }
}
