package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PacerTest {
    @Test
    void shouldSpaceRecordsToTheRateOnAnInjectedClock() throws InterruptedException {
        AtomicLong now = new AtomicLong(0);
        AtomicLong slept = new AtomicLong();
        Pacer p = new Pacer(1000, now::get, n -> {
            slept.addAndGet(n);
            now.addAndGet(n);
        });
        for (int i = 0; i < 1000; i++) {
            p.await();
        }
        assertThat(now.get()).isEqualTo(999_000_000L);
        assertThat(slept.get()).isEqualTo(999_000_000L);
    }

    @Test
    void shouldNeverSleepWhenUnlimited() throws InterruptedException {
        Pacer p = new Pacer(0, () -> 0L, n -> {
            throw new AssertionError("slept");
        });
        for (int i = 0; i < 10; i++) {
            p.await();
        }
    }
}
