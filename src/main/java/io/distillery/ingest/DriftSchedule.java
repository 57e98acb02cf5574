package io.distillery.ingest;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * When the synthetic concept changes. Text form: comma-separated events, {@code abrupt@POS} or
 * {@code gradual@POS:WIDTH}, positions in records, e.g. {@code abrupt@50000,gradual@120000:20000}.
 * An empty text is a stationary stream.
 */
public final class DriftSchedule {
    /** One change to a new concept at {@code start}, complete after {@code width} records (0 = abrupt). */
    public record Event(long start, long width) {
        public Event {
            if (start < 0 || width < 0) {
                throw new IllegalArgumentException("drift event start and width must not be negative, were "
                    + start + " and " + width);
            }
        }
    }

    private final List<Event> events;

    private DriftSchedule(List<Event> events) {
        this.events = List.copyOf(events);
    }

    public static DriftSchedule none() {
        return new DriftSchedule(List.of());
    }

    /** Parses the text form; the message names the bad event. */
    public static DriftSchedule parse(String text) {
        List<Event> events = new ArrayList<>();
        if (text == null || text.isBlank()) {
            return none();
        }
        for (String part : text.split(",")) {
            String p = part.trim();
            try {
                if (p.startsWith("abrupt@")) {
                    events.add(new Event(Long.parseLong(p.substring(7)), 0));
                } else if (p.startsWith("gradual@")) {
                    String[] sw = p.substring(8).split(":");
                    if (sw.length != 2) {
                        throw new IllegalArgumentException("gradual drift needs POS:WIDTH");
                    }
                    events.add(new Event(Long.parseLong(sw[0]), Long.parseLong(sw[1])));
                } else {
                    throw new IllegalArgumentException("expected abrupt@POS or gradual@POS:WIDTH");
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad drift event '" + p + "': " + e.getMessage(), e);
            }
        }
        events.sort(Comparator.comparingLong(Event::start));
        return new DriftSchedule(events);
    }

    public List<Event> events() {
        return events;
    }

    /**
     * Which concept generates the record at this position: the index of the newest concept, and the
     * probability of drawing from it (below 1 only inside a gradual drift, where the older concept
     * supplies the rest).
     */
    public Mix mixAt(long position) {
        int concept = 0;
        double weight = 1.0;
        for (Event e : events) {
            if (position < e.start()) {
                break;
            }
            concept++;
            weight = e.width() == 0 ? 1.0 : Math.min(1.0, (position - e.start() + 1) / (double) e.width());
        }
        return new Mix(concept, weight);
    }

    /** Concept index and the probability of drawing from it rather than from the one before. */
    public record Mix(int concept, double weight) {
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Event e : events) {
            parts.add(e.width() == 0 ? "abrupt@" + e.start() : "gradual@" + e.start() + ":" + e.width());
        }
        return String.join(",", parts);
    }
}
