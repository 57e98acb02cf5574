package io.distillery.testing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each snapshot version was published and when a client first received an answer computed with it
 * ({@link System#nanoTime()} of one JVM). Thread-safe: the publisher and every client thread record here.
 */
public final class SwapTimes {
    private final Map<Long, Long> published = new ConcurrentHashMap<>();
    private final Map<Long, Long> firstAnswer = new ConcurrentHashMap<>();

    /** Call just before handing the snapshot to the publisher. */
    public void published(long version, long nanos) {
        published.put(version, nanos);
    }

    /** Call when an answer that reports {@code version} has been received. */
    public void answered(long version, long nanos) {
        firstAnswer.merge(version, nanos, Math::min);
    }

    /** When each version was published, in no particular order. */
    public long[] publicationTimes() {
        return published.values().stream().mapToLong(Long::longValue).toArray();
    }

    /**
     * What the clients saw of the published versions.
     *
     * @param versions how many versions were published
     * @param unanswered published versions that no answer reports (superseded before any request ran on them)
     * @param toFirstAnswer publication to the first answer computed with that very version, answered ones only
     * @param toFirstAtLeast publication to the first answer computed with that version or a newer one, for
     *                       every version that was answered or superseded by an answered one
     */
    public record Summary(int versions, int unanswered, Latencies toFirstAnswer, Latencies toFirstAtLeast) {
    }

    public Summary summary() {
        TreeMap<Long, Long> pub = new TreeMap<>(published);
        List<Long> exact = new ArrayList<>();
        List<Long> atLeast = new ArrayList<>();
        long earliestNewer = Long.MAX_VALUE;
        int unanswered = 0;
        for (Map.Entry<Long, Long> e : pub.descendingMap().entrySet()) {
            Long first = firstAnswer.get(e.getKey());
            if (first == null) {
                unanswered++;
            } else {
                exact.add(first - e.getValue());
                earliestNewer = Math.min(earliestNewer, first);
            }
            if (earliestNewer != Long.MAX_VALUE) {
                atLeast.add(earliestNewer - e.getValue());
            }
        }
        return new Summary(pub.size(), unanswered, Latencies.of(toArray(exact)), Latencies.of(toArray(atLeast)));
    }

    private static long[] toArray(List<Long> values) {
        return values.stream().mapToLong(Long::longValue).toArray();
    }
}
