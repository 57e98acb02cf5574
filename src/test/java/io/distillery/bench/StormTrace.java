package io.distillery.bench;

import com.sun.management.GarbageCollectionNotificationInfo;
import io.distillery.testing.Latencies;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.management.ListenerNotFoundException;
import javax.management.Notification;
import javax.management.NotificationEmitter;
import javax.management.NotificationListener;
import javax.management.openmbean.CompositeData;

/**
 * A per-request trace of one load phase, to find where a swap storm's slow requests come from: each measured
 * request's send and answer times and the version it was answered with, and each collection's pause ({@link System#nanoTime()} of this JVM; a collection's start is known to the millisecond only). {@link
 * #report} tells, for the slowest 1% of requests, how long after the newest publication they were sent, whether a
 * collection overlapped them, and whether they were the first answer of a new version on their connection; and
 * the p99 of requests by the time since publication they were sent.
 *
 * <p>Thread-safe: each client records into its own {@link Client}; collections are queued.
 */
final class StormTrace implements AutoCloseable {
    private final ConcurrentLinkedQueue<long[]> pauses = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Client> clients = new ConcurrentLinkedQueue<>();
    private final List<NotificationEmitter> emitters = new ArrayList<>();
    private final NotificationListener listener = this::onCollection;
    /** nanoTime at this JVM's start, as far as the millisecond clock tells. */
    private final long jvmStartNanos = System.nanoTime() - ManagementFactory.getRuntimeMXBean().getUptime() * 1_000_000;

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
        long start = jvmStartNanos + info.getStartTime() * 1_000_000;
        pauses.add(new long[] {start, Math.max(1, info.getDuration()) * 1_000_000});
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
        for (long[] r : requests) {
            int at = Arrays.binarySearch(pub, r[0]);
            int last = at >= 0 ? at : -at - 2;
            int bin = last < 0 ? -1 : (int) Math.min(bins - 1, (r[0] - pub[last]) / binNs);
            boolean inGc = gcs.stream().anyMatch(g -> g[0] < r[3] && g[0] + g[1] > r[0]);
            allInGc += inGc ? 1 : 0;
            allFirstOfVersion += (int) r[2];
            if (bin >= 0) {
                byBin.get(bin).add(r[1]);
            }
            if (r[1] > p99) {
                slow++;
                slowInGc += inGc ? 1 : 0;
                slowFirstOfVersion += (int) r[2];
                if (bin >= 0) {
                    slowByBin[bin]++;
                }
            }
        }
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "%n%s: %d requests, p99 %.2f ms; the %d above it: %d overlap a collection "
                + "(all requests: %.2f%%), %d are a connection's first answer of a new version (all: %d); "
                + "%d publications, %d collections (mean pause %.2f ms)%n%n", label, requests.size(), p99 / 1e6, slow,
            slowInGc, 100.0 * allInGc / requests.size(), slowFirstOfVersion, allFirstOfVersion, pub.length, gcs.size(),
            gcs.stream().mapToLong(g -> g[1]).average().orElse(0) / 1e6));
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
