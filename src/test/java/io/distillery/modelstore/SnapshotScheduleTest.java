package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** When the next snapshot is due: steps, time with something pending, and idle steps by time only. */
class SnapshotScheduleTest {

    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        private Instant now = Instant.ofEpochMilli(1_000_000);

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }

    private final ManualClock clock = new ManualClock();
    private final SnapshotSchedule schedule = new SnapshotSchedule(10, 5_000, clock);

    @Test
    void shouldBeDueAfterEveryStepsOrAfterEveryMsWithSomethingPending() {
        schedule.stepped(9);
        assertThat(schedule.due()).isFalse();
        schedule.stepped(1);
        assertThat(schedule.due()).as("ten steps").isTrue();

        schedule.published();
        clock.advance(Duration.ofSeconds(6));
        assertThat(schedule.pending()).isFalse();
        assertThat(schedule.due()).as("nothing happened since the last snapshot").isFalse();
        schedule.consumed();
        assertThat(schedule.due()).as("records consumed, 5 s passed").isTrue();
    }

    @Test
    void shouldMakeASnapshotDueByTimeOnlyForIdleReplaySteps() {
        for (int i = 0; i < 1_000; i++) {
            schedule.idleStepped();
        }
        assertThat(schedule.pending()).as("the model changed").isTrue();
        assertThat(schedule.due()).as("idle steps do not count towards everySteps").isFalse();
        clock.advance(Duration.ofMillis(4_999));
        assertThat(schedule.due()).isFalse();
        clock.advance(Duration.ofMillis(1));
        assertThat(schedule.due()).as("5 s after the last snapshot").isTrue();

        schedule.published();
        assertThat(schedule.pending()).isFalse();
        schedule.idleStepped();
        schedule.stepped(10);
        assertThat(schedule.due()).as("the steps records earn still count").isTrue();
    }

    @Test
    void shouldRefuseANonPositiveCadence() {
        assertThatThrownBy(() -> new SnapshotSchedule(0, 5_000, clock)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SnapshotSchedule(10, 0, clock)).isInstanceOf(IllegalArgumentException.class);
    }
}
