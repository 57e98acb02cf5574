package io.distillery.config;

import java.util.List;

/**
 * Shape of the records: feature count, class count and the largest accepted payload.
 *
 * @param features number of features per record (input width of every network)
 * @param classes number of classes; labels are in [0, classes)
 * @param maxRecordBytes largest accepted input payload in bytes; larger ones go to the dead-letter topic
 * @param maxFutureMs how far ahead of the reader's clock an event time may be, ms; later ones are dead-lettered
 * @param imageWidth columns of the image a record is (row-major, one channel), 0 if records are not images;
 *     image-only methods (the student's shifted replay) need it
 */
public record DataSettings(int features, int classes, int maxRecordBytes, long maxFutureMs, int imageWidth) {
    public static final ConfigKey FEATURES = new ConfigKey("data.features", "784",
        "number of features per record (input width of every network)");
    public static final ConfigKey CLASSES = new ConfigKey("data.classes", "10",
        "number of classes; labels are integers in [0, classes)");
    public static final ConfigKey MAX_RECORD_BYTES = new ConfigKey("data.max.record.bytes", "262144",
        "largest accepted input record payload, bytes; larger ones are dead-lettered");
    public static final ConfigKey MAX_FUTURE_MS = new ConfigKey("data.max.future.ms", "5000",
        "how far an event time may be ahead of the reading role's clock, milliseconds; records, logits and "
            + "evaluations beyond it are dead-lettered (keep it at most monitor.grace.ms)");
    public static final ConfigKey IMAGE_WIDTH = new ConfigKey("data.image.width", "0",
        "records are images of this many columns (row-major, one channel, pixels in [0, 1]; a divisor of "
            + "data.features), e.g. 28 for Fashion-MNIST; 0 = not images. Enables student.replay.shift");
    public static final List<ConfigKey> KEYS = List.of(FEATURES, CLASSES, MAX_RECORD_BYTES, MAX_FUTURE_MS, IMAGE_WIDTH);

    public DataSettings {
        Checks.positive(FEATURES, features);
        Checks.atLeast(CLASSES, classes, 2);
        Checks.atLeast(MAX_RECORD_BYTES, maxRecordBytes, 64);
        Checks.notNegative(MAX_FUTURE_MS, maxFutureMs);
        Checks.notNegative(IMAGE_WIDTH, imageWidth);
        if (imageWidth > 0 && features % imageWidth != 0) {
            throw ConfigException.invalid(IMAGE_WIDTH.name(), imageWidth,
                "must divide data.features (" + features + ") into rows");
        }
    }

    /** Records that are not images. */
    public DataSettings(int features, int classes, int maxRecordBytes, long maxFutureMs) {
        this(features, classes, maxRecordBytes, maxFutureMs, 0);
    }

    /** With the default {@code data.max.future.ms}; records that are not images. */
    public DataSettings(int features, int classes, int maxRecordBytes) {
        this(features, classes, maxRecordBytes, Long.parseLong(MAX_FUTURE_MS.defaultValue()));
    }

    public static DataSettings from(Config c) {
        return new DataSettings(c.getInt(FEATURES), c.getInt(CLASSES), c.getInt(MAX_RECORD_BYTES),
            c.getLong(MAX_FUTURE_MS), c.getInt(IMAGE_WIDTH));
    }
}
