package io.distillery.testing;

/**
 * Watches, while it runs, for what stops a test's clocks agreeing: a thread that wakes every 10 ms and records
 * the longest time it was not scheduled (a pause of the JVM or of the machine) and the largest step of the
 * wall clock against the monotonic clock (a clock set by hand or by NTP). The JDK's HTTP server times its
 * request and answer limits on the wall clock, so either can make it close connections mid-request; a load
 * test prints both beside any connection it lost.
 */
public final class ClockWatch implements AutoCloseable {
    private static final long PERIOD_MS = 10;

    private final Thread thread;
    private volatile boolean running = true;
    private volatile long longestPauseNanos;
    private volatile long largestStepMillis;

    private ClockWatch() {
        thread = new Thread(this::watch, "clock-watch");
        thread.setDaemon(true);
    }

    /** A started watch. */
    public static ClockWatch start() {
        ClockWatch w = new ClockWatch();
        w.thread.start();
        return w;
    }

    private void watch() {
        long mono = System.nanoTime();
        long wall = System.currentTimeMillis();
        while (running) {
            try {
                Thread.sleep(PERIOD_MS);
            } catch (InterruptedException e) {
                return;
            }
            long m = System.nanoTime();
            long w = System.currentTimeMillis();
            long monoMs = (m - mono) / 1_000_000;
            longestPauseNanos = Math.max(longestPauseNanos, m - mono - PERIOD_MS * 1_000_000);
            largestStepMillis = Math.max(largestStepMillis, Math.abs((w - wall) - monoMs));
            mono = m;
            wall = w;
        }
    }

    /** The longest the watching thread overslept its 10 ms, in milliseconds. */
    public double longestPauseMs() {
        return Math.max(0, longestPauseNanos) / 1e6;
    }

    /** The largest difference between the wall clock's and the monotonic clock's advance over one wake-up, ms. */
    public long largestWallStepMs() {
        return largestStepMillis;
    }

    @Override
    public String toString() {
        return String.format("longest pause %.1f ms, largest wall-clock step %d ms", longestPauseMs(),
            largestWallStepMs());
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(1000);
    }
}
