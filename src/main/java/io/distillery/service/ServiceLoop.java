package io.distillery.service;

import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.errors.InterruptException;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one lifecycle of every long-running loop of a role (trainer, emitter, student, followers), after
 * Kafka's {@code ShutdownableThread}: {@link #start()}, {@link #stop()}, {@link #awaitStop}, {@link
 * #close()}, {@link #failure()} and {@link #health()}, written once.
 *
 * <p>On its own thread it runs {@link #setUp()} once, then {@link #doWork()} until stopped, then, after a
 * requested stop, {@link #finish()}; {@link #tearDown()} runs last in every case. A Kafka {@link
 * RetriableException} (broker away, topic not created yet) from {@code setUp} or {@code doWork} is retried
 * after a {@link Backoff}; any other {@link Throwable}, errors included, ends the loop and becomes its
 * {@link #failure()}: the role sees it, turns unhealthy and exits so that the orchestrator restarts it. An
 * exception while a stop is under way (a woken-up consumer) is not a failure.
 *
 * <p>Health: down once the loop has failed or ended without being asked to, when no iteration has finished
 * for longer than the stuck bound, or when it has waited on a retriable error for longer than that; the
 * start-up ({@code setUp}, which may bootstrap a model for minutes) has no bound.
 *
 * <p>Threading: {@code setUp}, {@code doWork}, {@code finish} and {@code tearDown} run on the loop's
 * thread; {@link #wakeUp()} runs on the thread that calls {@link #stop()}; the rest is safe from any thread.
 */
public abstract class ServiceLoop implements HealthCheck, AutoCloseable {
    /** Default bound on one iteration (and on a retriable wait) before the loop reports itself stuck. */
    public static final Duration DEFAULT_STUCK_AFTER = Duration.ofMinutes(2);
    private static final Logger LOG = LoggerFactory.getLogger(ServiceLoop.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(60);

    private final String name;
    private final Duration stuckAfter;
    private final Clock clock;
    private final Thread thread;
    private final Backoff backoff = new Backoff();
    private final CountDownLatch stopRequested = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean started;
    private volatile boolean settingUp = true;
    private volatile Throwable failure;
    private volatile long lastProgressMs;
    private volatile long waitingSinceMs = -1;
    private volatile String waitingOn = "";

    /**
     * @param name the thread's name and the name {@code /health} shows
     * @param stuckAfter how long an iteration (or a retriable wait) may last before the loop is unhealthy
     * @param clock the clock of the stuck bound
     */
    protected ServiceLoop(String name, Duration stuckAfter, Clock clock) {
        this.name = name;
        this.stuckAfter = stuckAfter;
        this.clock = clock;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
    }

    /** Runs once on the loop's thread before the first {@link #doWork()}; retried on a retriable error. */
    protected void setUp() throws Exception {
    }

    /** One iteration; the loop calls it until stopped. It should return within the stuck bound. */
    protected abstract void doWork() throws Exception;

    /** Runs after the last iteration when the loop was asked to stop (not after a failure). */
    protected void finish() throws Exception {
    }

    /** Runs last on the loop's thread, always: close the clients here. */
    protected void tearDown() throws Exception {
    }

    /** Called by {@link #stop()} on the stopping thread: unblock a waiting {@code doWork} (consumer.wakeup()). */
    protected void wakeUp() {
    }

    /** Starts the loop's thread; returns at once. */
    public final synchronized void start() {
        if (started) {
            throw new IllegalStateException(name + " already started");
        }
        started = true;
        lastProgressMs = clock.millis();
        thread.start();
    }

    /** Asks the loop to stop after the current iteration; returns at once. */
    public final void stop() {
        if (stopRequested.getCount() == 0) {
            return;
        }
        stopRequested.countDown();
        try {
            wakeUp();
        } catch (RuntimeException e) {
            LOG.warn("{}: waking the loop up failed", name, e);
        }
    }

    /** Waits until the loop's thread has ended; returns whether it has. */
    public final boolean awaitStop(Duration timeout) throws InterruptedException {
        return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Stops the loop and waits for its thread (at most a minute); a loop never started just tears down. */
    @Override
    public final void close() {
        stop();
        synchronized (this) {
            if (!started) {
                started = true;
                end();
                return;
            }
        }
        if (Thread.currentThread() == thread) {
            return;
        }
        try {
            if (!awaitStop(CLOSE_TIMEOUT)) {
                LOG.warn("{} did not stop within {} s", name, CLOSE_TIMEOUT.toSeconds());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Tears down and marks the loop ended: last on the loop's thread, or in {@link #close()} if never started. */
    private void end() {
        try {
            tearDown();
        } catch (Throwable t) {
            LOG.warn("{}: closing its resources failed", name, t);
        } finally {
            ended.countDown();
        }
    }

    /** Whether the loop should go on: false once a stop was requested. For long iterations to check. */
    protected final boolean isRunning() {
        return stopRequested.getCount() > 0;
    }

    /** Waits up to {@code millis} unless a stop is requested first; returns false when stopping. */
    protected final boolean pause(long millis) throws InterruptedException {
        return !stopRequested.await(millis, TimeUnit.MILLISECONDS);
    }

    /** Marks progress inside a long iteration, so that the loop is not taken for stuck. */
    protected final void progress() {
        lastProgressMs = clock.millis();
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final Throwable failure() {
        return failure;
    }

    @Override
    public Health health() {
        Throwable f = failure;
        if (f != null) {
            return Health.down("failed: " + f);
        }
        if (!started) {
            return Health.down("not started");
        }
        if (ended.getCount() == 0) {
            return isRunning() ? Health.down("ended without being stopped") : Health.up("stopped");
        }
        long now = clock.millis();
        long waitingSince = waitingSinceMs;
        if (waitingSince >= 0) {
            long waited = now - waitingSince;
            String what = "waiting " + waited / 1000 + " s to retry: " + waitingOn;
            return waited > stuckAfter.toMillis() ? Health.down(what) : Health.up(what);
        }
        if (settingUp) {
            return Health.up("starting");
        }
        long idle = now - lastProgressMs;
        if (idle > stuckAfter.toMillis()) {
            return Health.down("stuck: no iteration finished for " + idle / 1000 + " s");
        }
        return Health.up("running");
    }

    private void run() {
        try {
            while (isRunning() && !attempt(this::setUp)) {
                retryLater();
            }
            settingUp = false;
            progress();
            while (isRunning()) {
                try {
                    if (attempt(this::doWork)) {
                        progress();
                    } else if (isRunning()) {
                        retryLater();
                    }
                } catch (WakeupException | InterruptException e) {
                    if (isRunning()) {
                        throw e;
                    }
                }
            }
            finish();
        } catch (Throwable t) {
            if (isRunning() || !isStopSignal(t)) {
                failure = t;
                LOG.error("{} stopped by an error", name, t);
            } else {
                LOG.debug("{} interrupted while stopping: {}", name, t.toString());
            }
        } finally {
            end();
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** Runs one step; false after a retriable error (remembered for {@link #retryLater()}). */
    private boolean attempt(Step step) throws Exception {
        try {
            step.run();
            backoff.reset();
            waitingSinceMs = -1;
            return true;
        } catch (RetriableException e) {
            if (waitingSinceMs < 0) {
                waitingSinceMs = clock.millis();
            }
            waitingOn = e.toString();
            return false;
        }
    }

    private void retryLater() throws InterruptedException {
        long delay = backoff.nextDelayMs();
        if (backoff.failures() == 1 || backoff.failures() % 10 == 0) {
            LOG.warn("{}: {}; retrying in {} ms (attempt {})", name, waitingOn, delay, backoff.failures());
        }
        pause(delay);
    }

    private static boolean isStopSignal(Throwable t) {
        return t instanceof WakeupException || t instanceof InterruptedException || t instanceof InterruptException;
    }
}
