package io.distillery.os;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Time slices per thread on Linux (the build and its CI run on Linux): where the kernel has them (6.12 or
 * later) the kernel reports the slice asked for, for that thread alone; before, the request says it was not done.
 */
class ThreadSliceTest {
    @Test
    void setsTheCallingThreadsSliceAloneAndTheKernelReportsIt() throws Exception {
        long before = ThreadSlice.currentNanos();
        CompletableFuture<long[]> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                boolean done = ThreadSlice.requestForCurrent(150_000);
                result.complete(new long[] {done ? 1 : 0, ThreadSlice.currentNanos()});
            } catch (Exception e) {
                result.completeExceptionally(e);
            }
        });
        t.start();
        long[] got = result.get(10, TimeUnit.SECONDS);

        if (ThreadSlice.kernelHasCustomSlices()) {
            assertThat(got[0]).as("done").isEqualTo(1);
            assertThat(got[1]).isEqualTo(150_000);
            assertThat(before).as("this kernel's own slice").isNotEqualTo(150_000);
        } else {
            assertThat(got[0]).as("not done before Linux 6.12").isZero();
        }
        assertThat(ThreadSlice.currentNanos()).as("the calling test thread keeps its slice").isEqualTo(before);
    }

    @Test
    void setsTheSliceOfTheThreadsWithAName() throws Exception {
        CountDownLatch named = new CountDownLatch(2);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Long> seen = new CompletableFuture<>();
        Thread probe = new Thread(() -> {
            named.countDown();
            await(release);
            try {
                seen.complete(ThreadSlice.currentNanos());
            } catch (Exception e) {
                seen.completeExceptionally(e);
            }
        }, "slice-probe-1");
        Thread other = new Thread(() -> {
            named.countDown();
            await(release);
        }, "other-probe-1");
        probe.start();
        other.start();
        named.await(10, TimeUnit.SECONDS);
        int otherTid = ThreadSlice.threadsNamed("other-probe").get(0);
        long otherBefore = ThreadSlice.nanosOf(otherTid);

        int done = ThreadSlice.requestForNewThreadsNamed("slice-probe", Set.of(), 250_000, 1000);
        long otherAfter = ThreadSlice.nanosOf(otherTid);
        release.countDown();

        boolean supported = ThreadSlice.kernelHasCustomSlices();
        assertThat(done).isEqualTo(supported ? 1 : 0);
        if (supported) {
            assertThat(seen.get(10, TimeUnit.SECONDS)).isEqualTo(250_000);
        }
        assertThat(otherAfter).as("a thread of another name keeps its slice").isEqualTo(otherBefore);
        probe.join(10_000);
        other.join(10_000);
    }

    @Test
    void refusesASliceOutsideTheKernelsBounds() {
        assertThatThrownBy(() -> ThreadSlice.requestForCurrent(99_999)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("[100000, 100000000]");
        assertThatThrownBy(() -> ThreadSlice.requestForNewThreadsNamed("x", Set.of(), 100_000_001, 0))
            .isInstanceOf(IllegalArgumentException.class);
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
