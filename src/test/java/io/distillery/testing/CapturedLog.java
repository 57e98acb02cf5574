package io.distillery.testing;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.Logger;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;

/**
 * What a Log4j logger (and the loggers below it) logs while this is open, every event kept, for a test to assert on.
 * Events are copied when logged, so they can be read from any thread.
 */
public final class CapturedLog implements AutoCloseable {
    private final List<LogEvent> events = new CopyOnWriteArrayList<>();
    private final AbstractAppender appender = new AbstractAppender("captured-log", null, null, true,
        Property.EMPTY_ARRAY) {
        @Override
        public void append(LogEvent event) {
            events.add(event.toImmutable());
        }
    };
    private final Logger logger;

    private CapturedLog(Logger logger) {
        this.logger = logger;
        appender.start();
        logger.addAppender(appender);
    }

    /** Captures what the logger named {@code name} logs. */
    public static CapturedLog of(String name) {
        return new CapturedLog(context().getLogger(name));
    }

    /** Captures everything logged. */
    public static CapturedLog all() {
        return new CapturedLog(context().getRootLogger());
    }

    private static LoggerContext context() {
        return (LoggerContext) LogManager.getContext(false);
    }

    /** The events logged so far, oldest first. */
    public List<LogEvent> events() {
        return events;
    }

    @Override
    public void close() {
        logger.removeAppender(appender);
        appender.stop();
    }
}
