package io.distillery.bench;

import io.distillery.os.ThreadSlice;
import io.distillery.testing.InferClient;
import io.distillery.testing.Latencies;
import io.distillery.testing.RawHttp;
import io.distillery.testing.SwapTimes;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * One timed load phase: {@code clients} threads, each with its own keep-alive connection ({@link RawHttp}:
 * little client CPU, so the server gets the cores), send the same infer request for a warm-up and then a measured
 * window; latencies are those the clients see (request sent to answer read), recorded only inside the window. Every
 * answer's version is reported to a {@link SwapTimes}, warm-up included, so a swap storm's first answers are all seen.
 *
 * <p>Back to back (closed loop, {@link #run}), the clients keep the server saturated: the phase measures capacity,
 * and its latencies are mostly queueing for the two cores. {@link #paced} is an open loop at an offered rate: each
 * client sends on a fixed schedule, and a request that an earlier, slow answer held past its scheduled time counts
 * its latency from that time, not from when it could be sent (the delay a user arriving then would see; a client
 * that was merely woken late counts from its send).
 */
final class LoadPhase {
    /**
     * What the measured window gave; built by {@link #of}, so that {@code requests} and {@code latencies} are those
     * of {@code nanos}.
     *
     * @param nanos every answered request's latency, sorted
     */
    record Result(long requests, long errors, double seconds, Latencies latencies, long[] nanos) {
        /** The result of {@code nanos} (sorted in place), one per answered request. */
        static Result of(long[] nanos, long errors, double seconds) {
            return new Result(nanos.length, errors, seconds, Latencies.of(nanos), nanos);
        }

        /** Several phases of one kind as one: their requests, errors, time and latencies together. */
        static Result pooled(List<Result> phases) {
            return of(phases.stream().flatMapToLong(r -> Arrays.stream(r.nanos)).toArray(),
                phases.stream().mapToLong(Result::errors).sum(), phases.stream().mapToDouble(Result::seconds).sum());
        }

        double requestsPerSecond() {
            return requests / seconds;
        }

        /** This phase's p99 over {@code base}'s. */
        double p99Over(Result base) {
            return (double) latencies.p99Nanos() / Math.max(1, base.latencies().p99Nanos());
        }
    }

    /** Slice the client threads ask Linux for, nanoseconds; 0 = the kernel's. */
    private static volatile long clientSliceNanos;

    private LoadPhase() {
    }

    /** Every later phase's client threads ask for this slice ({@link ThreadSlice}); 0 = the kernel's. */
    static void clientSlice(long nanos) {
        clientSliceNanos = nanos;
    }

    /**
     * @param port the server's loopback port
     * @param request the whole HTTP request, sent as is
     */
    static Result run(int port, byte[] request, int clients, long warmupMs, long measureMs, SwapTimes times)
            throws InterruptedException {
        return paced(port, request, clients, 0, warmupMs, measureMs, times, null);
    }

    /**
     * An open-loop phase: the clients together offer {@code perSecond} requests a second, each on its own fixed
     * schedule, staggered; {@code perSecond} 0 is back to back ({@link #run}). Each measured request is also
     * recorded in {@code trace} when it is not null.
     */
    static Result paced(int port, byte[] request, int clients, double perSecond, long warmupMs, long measureMs,
                        SwapTimes times, StormTrace trace) throws InterruptedException {
        long interval = perSecond > 0 ? (long) (clients * 1e9 / perSecond) : 0;
        long start = System.nanoTime();
        long from = start + warmupMs * 1_000_000;
        long to = from + measureMs * 1_000_000;
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong errors = new AtomicLong();
        List<Recorder> recorders = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            Recorder r = new Recorder();
            recorders.add(r);
            StormTrace.Client traced = trace == null ? null : trace.client();
            Schedule schedule = new Schedule(start + interval * c / clients, interval);
            Thread t = new Thread(() -> loop(port, request, schedule, from, to, stop, r, errors, times, traced),
                "bench-client-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            t.join(Math.max(1, (to - System.nanoTime()) / 1_000_000) + 15_000);
        }
        stop.set(true);
        long[] all = recorders.stream().flatMapToLong(r -> Arrays.stream(r.values, 0, r.size)).toArray();
        return Result.of(all, errors.get(), measureMs / 1000.0);
    }

    /** When a client sends: from {@code first}, every {@code interval} ns; an interval of 0 is back to back. */
    private static final class Schedule {
        private long due;
        private final long interval;

        Schedule(long first, long interval) {
            this.due = first;
            this.interval = interval;
        }

        /** Waits for the next scheduled time (none back to back); its time, or 0 back to back. */
        long next() {
            if (interval == 0) {
                return 0;
            }
            long at = due;
            due += interval;
            for (long wait = at - System.nanoTime(); wait > 0; wait = at - System.nanoTime()) {
                LockSupport.parkNanos(wait);
            }
            return at;
        }
    }

    private static void loop(int port, byte[] request, Schedule schedule, long from, long to, AtomicBoolean stop,
                             Recorder out, AtomicLong errors, SwapTimes times, StormTrace.Client trace) {
        RawHttp client = null;
        if (clientSliceNanos > 0) {
            ThreadSlice.requestForCurrent(clientSliceNanos);
        }
        long lastAnswer = 0;
        while (!stop.get()) {
            long due = schedule.next();
            long sent = System.nanoTime();
            if (sent >= to) {
                break;
            }
            // held past its time by the previous answer: the user's wait began at the scheduled time
            long begin = due != 0 && lastAnswer > due ? due : sent;
            RawHttp.Response a;
            try {
                client = client != null ? client : new RawHttp("127.0.0.1", port, 10_000);
                a = client.exchange(request);
            } catch (IOException e) {
                errors.incrementAndGet();
                client = closeQuietly(client);
                continue;
            } finally {
                lastAnswer = System.nanoTime();
            }
            long done = lastAnswer;
            if (a.status() != 200) {
                errors.incrementAndGet();
                continue;
            }
            // the JSON (or the binary answer's JSON header) comes first; the version is found without parsing
            long version = InferClient.version(new String(a.body(), 0, Math.min(a.body().length, 256),
                StandardCharsets.ISO_8859_1));
            times.answered(version, done);
            if (begin >= from && done <= to) {
                out.add(done - begin);
                if (trace != null) {
                    trace.request(begin, done, version);
                }
            }
        }
        closeQuietly(client);
    }

    private static RawHttp closeQuietly(RawHttp client) {
        try {
            if (client != null) {
                client.close();
            }
        } catch (IOException e) {
            // already broken: nothing to release
        }
        return null;
    }

    /** A growable array of nanosecond durations, one per client thread. */
    private static final class Recorder {
        long[] values = new long[1 << 14];
        int size;

        void add(long v) {
            if (size == values.length) {
                values = Arrays.copyOf(values, size * 2);
            }
            values[size++] = v;
        }
    }
}
