package io.distillery.config;

import java.util.List;

/**
 * Shape of the records: feature count, class count and the largest accepted payload.
 *
 * @param features number of features per record (input width of every network)
 * @param classes number of classes; labels are in [0, classes)
 * @param maxRecordBytes largest accepted input payload in bytes; larger ones go to the dead-letter topic
 */
public record DataSettings(int features, int classes, int maxRecordBytes) {
    public static final ConfigKey FEATURES = new ConfigKey("data.features", "784",
        "number of features per record (input width of every network)");
    public static final ConfigKey CLASSES = new ConfigKey("data.classes", "10",
        "number of classes; labels are integers in [0, classes)");
    public static final ConfigKey MAX_RECORD_BYTES = new ConfigKey("data.max.record.bytes", "262144",
        "largest accepted input record payload, bytes; larger ones are dead-lettered");
    public static final List<ConfigKey> KEYS = List.of(FEATURES, CLASSES, MAX_RECORD_BYTES);

    public DataSettings {
        Checks.positive(FEATURES, features);
        Checks.atLeast(CLASSES, classes, 2);
        Checks.atLeast(MAX_RECORD_BYTES, maxRecordBytes, 64);
    }

    public static DataSettings from(Config c) {
        return new DataSettings(c.getInt(FEATURES), c.getInt(CLASSES), c.getInt(MAX_RECORD_BYTES));
    }
}
