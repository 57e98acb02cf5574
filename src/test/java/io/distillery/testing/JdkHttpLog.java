package io.distillery.testing;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.regex.Pattern;

/**
 * Keeps, while open, the JDK HTTP server's own account of the connections it closes: its logger
 * ({@code com.sun.net.httpserver}, through {@code java.util.logging}) at every level, the records that close,
 * reject or fail something kept in a bounded buffer, the per-request chatter counted and dropped. The server
 * closes a connection mid-request only in code that logs at DEBUG or TRACE, so a load test that loses a request
 * prints these beside it.
 */
public final class JdkHttpLog implements AutoCloseable {
    private static final String LOGGER = "com.sun.net.httpserver";
    private static final int KEPT = 200;
    private static final Pattern WORTH_KEEPING = Pattern.compile("(?i)clos|reject|fail|error|dispatcher|timeout|idle");

    private final Logger logger = Logger.getLogger(LOGGER);
    private final Level level;
    private final boolean parents;
    private final Deque<Line> kept = new ArrayDeque<>();
    private long seen;
    private final Handler handler = new Handler() {
        @Override
        public void publish(LogRecord r) {
            String message = r.getMessage() == null ? "" : r.getMessage();
            synchronized (kept) {
                seen++;
                if (r.getThrown() == null && !WORTH_KEEPING.matcher(message).find()) {
                    return;
                }
                if (kept.size() == KEPT) {
                    kept.removeFirst();
                }
                kept.addLast(new Line(r.getInstant(), r.getInstant() + " " + r.getLevel() + " ["
                    + Thread.currentThread().getName() + "] " + message
                    + (r.getThrown() == null ? "" : ": " + r.getThrown())));
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    private JdkHttpLog() {
        level = logger.getLevel();
        parents = logger.getUseParentHandlers();
        handler.setLevel(Level.ALL);
        logger.setUseParentHandlers(false);
        logger.addHandler(handler);
        logger.setLevel(Level.ALL);
    }

    /** Starts keeping; the JDK server's logger is set back as it was by {@link #close()}. */
    public static JdkHttpLog start() {
        return new JdkHttpLog();
    }

    /** The kept records from {@code from} on (at most the last 200 the server logged), one line each. */
    public List<String> keptSince(Instant from) {
        List<String> lines = new ArrayList<>();
        synchronized (kept) {
            for (Line line : kept) {
                if (!line.at().isBefore(from)) {
                    lines.add(line.text());
                }
            }
        }
        return lines;
    }

    /** How many records the server logged while this was open. */
    public long seen() {
        synchronized (kept) {
            return seen;
        }
    }

    private record Line(Instant at, String text) {
    }

    @Override
    public void close() {
        logger.removeHandler(handler);
        logger.setLevel(level);
        logger.setUseParentHandlers(parents);
    }
}
