package io.distillery.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Per-thread nice values on Linux (the build and its CI run on Linux). */
class ThreadNiceTest {
    @Test
    void lowersTheCallingThreadAloneAndTheKernelReportsIt() throws Exception {
        int before = ThreadNice.currentNice();
        CompletableFuture<int[]> niced = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                boolean done = ThreadNice.lowerCurrent(Math.max(before + 1, 7));
                niced.complete(new int[] {done ? 1 : 0, ThreadNice.currentNice()});
            } catch (Exception e) {
                niced.completeExceptionally(e);
            }
        });
        t.start();
        int[] result = niced.get(10, TimeUnit.SECONDS);

        assertThat(result[0]).isEqualTo(1);
        assertThat(result[1]).isEqualTo(Math.max(before + 1, 7));
        assertThat(ThreadNice.currentNice()).as("the calling test thread keeps its nice value").isEqualTo(before);
    }

    @Test
    void zeroLeavesThePriorityAndOutOfRangeIsRefused() throws Exception {
        int before = ThreadNice.currentNice();

        assertThat(ThreadNice.lowerCurrent(0)).isFalse();
        assertThat(ThreadNice.currentNice()).isEqualTo(before);
        assertThatThrownBy(() -> ThreadNice.lowerCurrent(20)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ThreadNice.lowerCurrent(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void aServiceLoopRunsNicedFromItsFirstStep() throws Exception {
        CompletableFuture<Integer> seen = new CompletableFuture<>();
        ServiceLoop loop = new ServiceLoop("niced", Duration.ofSeconds(10), Clock.systemUTC()) {
            @Override
            protected void setUp() throws Exception {
                seen.complete(ThreadNice.currentNice());
            }

            @Override
            protected void doWork() throws Exception {
                pause(10);
            }
        };
        int target = Math.max(ThreadNice.currentNice() + 1, 9);
        loop.runNiced(target);
        try {
            loop.start();
            assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(target);
        } finally {
            loop.close();
        }
    }
}
