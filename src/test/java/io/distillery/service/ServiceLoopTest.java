package io.distillery.service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;

class ServiceLoopTest {
    /** A clock the test moves by hand. */
    private static final class ManualClock extends Clock {
        final AtomicLong millis = new AtomicLong(1_000_000);

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return Instant.ofEpochMilli(millis.get());
        }
    }

    /** A loop whose steps the test scripts. */
    private static class Scripted extends ServiceLoop {
        final List<String> events = new CopyOnWriteArrayList<>();
        final AtomicInteger iterations = new AtomicInteger();
        volatile Throwable toThrow;
        volatile CountDownLatch block;

        Scripted(Clock clock) {
            super("scripted", Duration.ofSeconds(10), clock);
        }

        @Override
        protected void setUp() {
            events.add("setUp");
        }

        @Override
        protected void doWork() throws Exception {
            iterations.incrementAndGet();
            Throwable t = toThrow;
            if (t != null) {
                toThrow = null;
                if (t instanceof Exception e) {
                    throw e;
                }
                throw (Error) t;
            }
            CountDownLatch b = block;
            if (b != null) {
                b.await();
            }
            Thread.sleep(1);
        }

        @Override
        protected void finish() {
            events.add("finish");
        }

        @Override
        protected void tearDown() {
            events.add("tearDown");
        }
    }

    private final ManualClock clock = new ManualClock();

    @Test
    void shouldRunSetUpThenWorkThenFinishAndTearDownOnARequestedStop() throws Exception {
        Scripted loop = new Scripted(clock);
        loop.start();
        awaitIterations(loop, 3);

        loop.close();

        assertThat(loop.events).containsExactly("setUp", "finish", "tearDown");
        assertThat(loop.failure()).isNull();
        assertThat(loop.health()).isEqualTo(Health.up("stopped"));
    }

    @Test
    void shouldTakeAnyThrowableAsTheFailureAndReportItDown() throws Exception {
        Scripted loop = new Scripted(clock);
        loop.toThrow = new StackOverflowError("deep");
        loop.start();

        assertThat(loop.awaitStop(Duration.ofSeconds(5))).isTrue();

        assertThat(loop.failure()).isInstanceOf(StackOverflowError.class);
        assertThat(loop.events).containsExactly("setUp", "tearDown");
        Health h = loop.health();
        assertThat(h.healthy()).isFalse();
        assertThat(h.detail()).contains("failed").contains("StackOverflowError").contains("deep");
    }

    @Test
    void shouldRetryARetriableErrorAndGoOn() throws Exception {
        Scripted loop = new Scripted(clock);
        loop.toThrow = new TimeoutException("broker away");
        loop.start();

        awaitIterations(loop, 3);

        assertThat(loop.failure()).isNull();
        assertThat(loop.health().healthy()).isTrue();
        loop.close();
    }

    @Test
    void shouldReportStuckWhenNoIterationFinishesWithinTheBound() throws Exception {
        Scripted loop = new Scripted(clock);
        loop.block = new CountDownLatch(1);
        loop.start();
        awaitIterations(loop, 1);
        assertThat(loop.health().healthy()).isTrue();

        clock.millis.addAndGet(11_000);

        assertThat(loop.health().healthy()).isFalse();
        assertThat(loop.health().detail()).startsWith("stuck");
        loop.block.countDown();
        loop.block = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!loop.health().healthy() && System.nanoTime() < deadline) {
            Thread.sleep(2);
        }
        assertThat(loop.health().healthy()).isTrue();
        loop.close();
    }

    @Test
    void shouldReportDownBeforeStartAndRefuseASecondStart() {
        Scripted loop = new Scripted(clock);
        assertThat(loop.health()).isEqualTo(Health.down("not started"));

        loop.start();

        assertThatThrownBy(loop::start).isInstanceOf(IllegalStateException.class);
        loop.close();
    }

    @Test
    void shouldTearDownALoopClosedBeforeItStarted() {
        Scripted loop = new Scripted(clock);

        loop.close();

        assertThat(loop.events).containsExactly("tearDown");
    }

    private static void awaitIterations(Scripted loop, int n) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (loop.iterations.get() < n && System.nanoTime() < deadline) {
            Thread.sleep(1);
        }
        assertThat(loop.iterations.get()).isGreaterThanOrEqualTo(n);
    }
}
