package io.distillery.config;

import java.nio.file.Path;
import java.util.List;

/**
 * Settings of the {@code monitor} role: windows, drift detectors, and its Kafka Streams identity.
 * Validated on construction; errors name the key and the bad value.
 *
 * @param windowMs length of the tumbling event-time windows, ms
 * @param graceMs how long after a window's end a late evaluation is still counted, ms
 * @param adwinDelta confidence δ of ADWIN's cut test
 * @param phLambda Page-Hinkley detection threshold λ
 * @param phDelta Page-Hinkley tolerated increase δ
 * @param phAlpha Page-Hinkley fading factor α
 * @param phMinInstances values Page-Hinkley sees before it may fire
 * @param applicationId Kafka Streams {@code application.id} (consumer group, internal topic prefix)
 * @param stateDir directory of the local state stores, or {@code null} for Kafka Streams' default
 * @param classes number of classes ({@code data.classes}); bounds the per-class breakdown
 */
public record MonitorSettings(long windowMs, long graceMs, double adwinDelta, double phLambda, double phDelta,
                              double phAlpha, int phMinInstances, String applicationId, String stateDir,
                              int classes) {
    public static final ConfigKey WINDOW_MS = new ConfigKey("monitor.window.ms", "10000",
        "length of the monitor's tumbling event-time windows, milliseconds");
    public static final ConfigKey GRACE_MS = new ConfigKey("monitor.grace.ms", "10000",
        "how long after a window ends a late evaluation still counts in it, milliseconds");
    public static final ConfigKey ADWIN_DELTA = new ConfigKey("monitor.adwin.delta", "0.002",
        "confidence delta of the ADWIN drift detectors (smaller: fewer false alarms, later detections)");
    public static final ConfigKey PH_LAMBDA = new ConfigKey("monitor.ph.lambda", "50",
        "detection threshold lambda of the Page-Hinkley detector on the teacher's error");
    public static final ConfigKey PH_DELTA = new ConfigKey("monitor.ph.delta", "0.005",
        "tolerated increase delta of the Page-Hinkley detector");
    public static final ConfigKey PH_ALPHA = new ConfigKey("monitor.ph.alpha", "0.9999",
        "fading factor alpha of the Page-Hinkley cumulative sum, in (0, 1]");
    public static final ConfigKey PH_MIN_INSTANCES = new ConfigKey("monitor.ph.min.instances", "30",
        "values the Page-Hinkley detector sees before it may signal a change");
    public static final ConfigKey APPLICATION_ID = new ConfigKey("monitor.application.id", "distill-monitor",
        "Kafka Streams application.id of the monitor (its group id and internal topic prefix)");
    /** The monitor's Kafka Streams state directory when neither monitor.state.dir nor kafka.state.dir is set. */
    public static final Path DEFAULT_STATE_DIR = Path.of(System.getProperty("user.home"), ".distillery", "streams");
    public static final ConfigKey STATE_DIR = new ConfigKey("monitor.state.dir", null,
        "the monitor's Kafka Streams state directory (checkpoints and locks; its stores are in memory, restored "
            + "from their changelogs); unset: kafka.state.dir, else ~/.distillery/streams (not the OS temp dir, "
            + "which the OS may clear)");
    public static final List<ConfigKey> KEYS = List.of(WINDOW_MS, GRACE_MS, ADWIN_DELTA, PH_LAMBDA, PH_DELTA,
        PH_ALPHA, PH_MIN_INSTANCES, APPLICATION_ID, STATE_DIR);

    public MonitorSettings {
        Checks.positive(WINDOW_MS, windowMs);
        Checks.notNegative(GRACE_MS, graceMs);
        Checks.positive(ADWIN_DELTA, adwinDelta);
        Checks.inRange(ADWIN_DELTA, adwinDelta, 0, 1);
        Checks.positive(PH_LAMBDA, phLambda);
        Checks.inRange(PH_DELTA, phDelta, 0, Double.MAX_VALUE);
        Checks.positive(PH_ALPHA, phAlpha);
        Checks.inRange(PH_ALPHA, phAlpha, 0, 1);
        Checks.atLeast(PH_MIN_INSTANCES, phMinInstances, 1);
        Checks.notBlank(APPLICATION_ID, applicationId);
        Checks.atLeast(DataSettings.CLASSES, classes, 2);
        stateDir = stateDir == null || stateDir.isBlank() ? null : stateDir;
    }

    public static MonitorSettings from(Config c) {
        return new MonitorSettings(c.getLong(WINDOW_MS), c.getLong(GRACE_MS), c.getDouble(ADWIN_DELTA),
            c.getDouble(PH_LAMBDA), c.getDouble(PH_DELTA), c.getDouble(PH_ALPHA), c.getInt(PH_MIN_INSTANCES),
            c.getString(APPLICATION_ID), c.get(STATE_DIR), DataSettings.from(c).classes());
    }
}
