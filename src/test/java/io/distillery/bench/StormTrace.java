package io.distillery.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.distillery.testing.Latencies;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * A per-request trace of one load phase, to find where a swap storm's slow requests come from: each measured
 * request's send and answer times and the version it was answered with, and each collection's pause ({@link
 * System#nanoTime()} of this JVM; a collection's start is known to the millisecond only). {@link #report} tells,
 * for the slowest 1% of requests, how long after the newest publication they were sent, whether a collection
 * overlapped them or ended shortly before they were sent, and whether they were the first answer of a new version
 * on their connection; how they cluster in time ({@link #episodes}: at half load a phase's p99 can rest on one
 * stall; each listed from its first request's send time in seconds of {@code CLOCK_MONOTONIC}, the clock of {@link
 * System#nanoTime()} on Linux and of {@code perf record -k CLOCK_MONOTONIC}, so that a kernel trace of the phase can
 * be read at the same moments: {@code bench/sched-window.py}); and the p99 of requests by the time since
 * publication they were sent.
 *
 * <p>Thread-safe: each client records into its own {@link Client}; collections are queued.
 */
final class StormTrace implements AutoCloseable {
    /** A request sent this soon after a collection ended is counted as sent after it (the clients' catch-up). */
    private static final long AFTER_GC_NANOS = 20_000_000;
    /** Slow requests sent closer than this after the one before was answered are one episode. */
    static final long EPISODE_GAP_NANOS = 2_000_000;
    /** {@link #gcEpochNanos()}, once found. */
    private static long gcEpoch;
    private final ConcurrentLinkedQueue<long[]> pauses = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Client> clients = new ConcurrentLinkedQueue<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onCollection;
    /** {@link System#nanoTime()} at which a collection's reported start time would be 0. */
    private final long gcEpochNanos = gcEpochNanos();

    StormTrace() {
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(listener, null, null);
                emitters.add(e);
            }
        }
    }

    private void onCollection(Notification n, Object handback) {
        if (!GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
            return;
        }
        var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData()).getGcInfo();
        long start = gcEpochNanos + info.getStartTime() * 1_000_000;
        pauses.add(new long[] {start, Math.max(1, info.getDuration()) * 1_000_000});
    }

    /**
     * Where this JVM's collection times count from, on the {@link System#nanoTime()} clock, found once by timing a
     * {@link System#gc()} (a full collection): a collection's start time is in milliseconds from when the JVM's
     * management started, which is 16-45 ms after the origin of {@code RuntimeMXBean.getUptime()} on this box, so
     * the uptime cannot place a collection of a few milliseconds among requests. Within a millisecond or so.
     */
    private static synchronized long gcEpochNanos() {
        if (gcEpoch != 0) {
            return gcEpoch;
        }
        long[] reported = new long[2]; // start ms, duration ms
        CountDownLatch seen = new CountDownLatch(1);
        // an earlier System.gc()'s notification may still be on its way: only a later collection of its collector
        Map<String, Long> done = new HashMap<>();
        NotificationListener once = (n, handback) -> {
            if (GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
                var info = GarbageCollectionNotificationInfo.from((CompositeData) n.getUserData());
                if ("System.gc()".equals(info.getGcCause()) && seen.getCount() > 0
                    && info.getGcInfo().getId() > done.getOrDefault(info.getGcName(), Long.MAX_VALUE)) {
                    reported[0] = info.getGcInfo().getStartTime();
                    reported[1] = info.getGcInfo().getDuration();
                    seen.countDown();
                }
            }
        };
        List<NotificationEmitter> added = new ArrayList<>();
        for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
            done.put(gc.getName(), gc.getCollectionCount());
            if (gc instanceof NotificationEmitter e) {
                e.addNotificationListener(once, null, null);
                added.add(e);
            }
        }
        try {
            long before = System.nanoTime();
            System.gc();
            long after = System.nanoTime();
            if (!seen.await(10, TimeUnit.SECONDS)) {
                throw new IllegalStateException("no notification of a System.gc() collection within 10 s");
            }
            // the collection ran inside [before, after]: centre its reported length there
            long startNanos = (before + after - reported[1] * 1_000_000) / 2;
            gcEpoch = startNanos - reported[0] * 1_000_000;
            return gcEpoch;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while timing a collection", e);
        } finally {
            for (NotificationEmitter e : added) {
                try {
                    e.removeNotificationListener(once);
                } catch (ListenerNotFoundException ignored) {
                    // never added
                }
            }
        }
    }

    /** One client thread's requests. */
    Client client() {
        Client c = new Client();
        clients.add(c);
        return c;
    }

    static final class Client {
        private long[] values = new long[3 << 14];
        private int size;

        void request(long sent, long done, long version) {
            if (size + 3 > values.length) {
                values = Arrays.copyOf(values, values.length * 2);
            }
            values[size++] = sent;
            values[size++] = done;
            values[size++] = version;
        }
    }

    /**
     * The analysis as markdown lines; {@code periodMs} is the storm's period, {@code published} its times (none for a
     * steady phase: then only the collections and the new versions are told, without the table by publication).
     */
    String report(String label, long periodMs, long[] published) {
        long[] pub = published.clone();
        Arrays.sort(pub);
        List<long[]> gcs = new ArrayList<>(pauses);
        List<long[]> requests = new ArrayList<>(); // sent, latency, version changed on this connection (0/1)
        for (Client c : clients) {
            long previous = -1;
            for (int i = 0; i < c.size; i += 3) {
                long version = c.values[i + 2];
                requests.add(new long[] {c.values[i], c.values[i + 1] - c.values[i],
                    previous >= 0 && version != previous ? 1 : 0, c.values[i + 1]});
                previous = version;
            }
        }
        if (requests.isEmpty()) {
            return label + ": nothing traced\n";
        }
        long p99 = Latencies.of(requests.stream().mapToLong(r -> r[1]).toArray()).p99Nanos();
        int bins = 10;
        long binNs = periodMs * 1_000_000 / bins;
        int[] slowByBin = new int[bins];
        List<List<Long>> byBin = new ArrayList<>();
        for (int b = 0; b < bins; b++) {
            byBin.add(new ArrayList<>());
        }
        int slow = 0;
        int slowInGc = 0;
        int slowFirstOfVersion = 0;
        int allFirstOfVersion = 0;
        int allInGc = 0;
        int slowAfterGc = 0;
        int allAfterGc = 0;
        for (long[] r : requests) {
            int last = newestAt(pub, r[0]);
            int bin = last < 0 ? -1 : (int) Math.min(bins - 1, (r[0] - pub[last]) / binNs);
            boolean inGc = gcs.stream().anyMatch(g -> g[0] < r[3] && g[0] + g[1] > r[0]);
            boolean afterGc = !inGc && gcs.stream()
                .anyMatch(g -> r[0] >= g[0] + g[1] && r[0] < g[0] + g[1] + AFTER_GC_NANOS);
            allInGc += inGc ? 1 : 0;
            allAfterGc += afterGc ? 1 : 0;
            allFirstOfVersion += (int) r[2];
            if (bin >= 0) {
                byBin.get(bin).add(r[1]);
            }
            if (r[1] > p99) {
                slow++;
                slowInGc += inGc ? 1 : 0;
                slowAfterGc += afterGc ? 1 : 0;
                slowFirstOfVersion += (int) r[2];
                if (bin >= 0) {
                    slowByBin[bin]++;
                }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%n%s: %d requests, p99 %.2f ms; the %d above it: %d overlap a collection "
                + "(all requests: %.2f%%), %d were sent in the %d ms after one (all: %.2f%%), %d are a connection's "
                + "first answer of a new version (all: %d); %d publications, %d collections (mean pause %.2f ms)%n%n",
            label, requests.size(), p99 / 1e6, slow, slowInGc, 100.0 * allInGc / requests.size(), slowAfterGc,
            AFTER_GC_NANOS / 1_000_000, 100.0 * allAfterGc / requests.size(), slowFirstOfVersion, allFirstOfVersion,
            pub.length, gcs.size(),
            gcs.stream().mapToLong(g -> g[1]).average().orElse(0) / 1e6));
        List<long[]> episodes = episodes(requests.stream().filter(r -> r[1] > p99)
            .map(r -> new long[] {r[0], r[3]}).toList());
        b.append(String.format(Locale.ROOT, "They fall in %d episodes (slow requests sent less than %d ms after the "
            + "previous one was answered); the largest:", episodes.size(), EPISODE_GAP_NANOS / 1_000_000));
        for (long[] e : episodes.stream().sorted((x, y) -> Long.compare(y[2], x[2])).limit(3).toList()) {
            int last = newestAt(pub, e[0]);
            b.append(String.format(Locale.ROOT, " %d requests over %.1f ms from %.3f s (the slowest %.2f ms%s);",
                e[2], (e[1] - e[0]) / 1e6, e[0] / 1e9, e[3] / 1e6,
                last < 0 ? "" : String.format(Locale.ROOT, ", %.0f ms after a publication", (e[0] - pub[last]) / 1e6)));
        }
        b.append(String.format("%n%n"));
        if (pub.length == 0) {
            return b.toString();
        }
        b.append("| sent after the newest publication, ms | requests | above the phase's p99 | p99 of the bin, ms |\n");
        b.append("|---|---|---|---|\n");
        for (int i = 0; i < bins; i++) {
            Latencies l = Latencies.of(byBin.get(i).stream().mapToLong(Long::longValue).toArray());
            b.append(String.format(Locale.ROOT, "| %d-%d | %d | %d | %.2f |%n", i * periodMs / bins,
                (i + 1) * periodMs / bins, l.count(), slowByBin[i], l.count() == 0 ? Double.NaN : l.p99Ms()));
        }
        return b.toString();
    }

    /** The index in the sorted {@code published} of the newest publication at {@code time}, or -1 before the first. */
    private static int newestAt(long[] published, long time) {
        int at = Arrays.binarySearch(published, time);
        return at >= 0 ? at : -at - 2;
    }

    /**
     * The slow requests ({@code {sent, answered}}) grouped into episodes: a request sent less than {@link
     * #EPISODE_GAP_NANOS} after the latest answer of the episode so far belongs to it. Each episode as {@code {first
     * sent, last answered, requests, longest latency}}, in order of time.
     */
    static List<long[]> episodes(List<long[]> slow) {
        List<long[]> sorted = new ArrayList<>(slow);
        sorted.sort((x, y) -> Long.compare(x[0], y[0]));
        List<long[]> out = new ArrayList<>();
        for (long[] r : sorted) {
            long[] e = out.isEmpty() ? null : out.get(out.size() - 1);
            if (e != null && r[0] < e[1] + EPISODE_GAP_NANOS) {
                e[1] = Math.max(e[1], r[1]);
                e[2]++;
                e[3] = Math.max(e[3], r[1] - r[0]);
            } else {
                out.add(new long[] {r[0], r[1], 1, r[1] - r[0]});
            }
        }
        return out;
    }

    @Override
    public void close() {
        for (NotificationEmitter e : emitters) {
            try {
                e.removeNotificationListener(listener);
            } catch (ListenerNotFoundException ignored) {
                // never added
            }
        }
    }
}
