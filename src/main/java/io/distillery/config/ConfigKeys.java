package io.distillery.config;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The registry of every configuration key of the service, one list per concern. A key not listed
 * here (and not under {@code kafka.}) is rejected at start-up.
 */
public final class ConfigKeys {
    private static final Map<String, ConfigKey> ALL = index(Stream.of(
            CommonSettings.KEYS,
            DataSettings.KEYS,
            MonitorSettings.KEYS,
            TeacherSettings.KEYS,
            TeacherGateSettings.KEYS,
            EnsembleSettings.KEYS,
            StudentSettings.KEYS,
            HintSettings.KEYS,
            FeedbackSettings.KEYS,
            ServeSettings.KEYS,
            PromotionSettings.KEYS,
            InferenceSettings.KEYS,
            HeartbeatSettings.KEYS,
            SnapshotSettings.KEYS,
            AclSettings.KEYS)
        .flatMap(List::stream).toList());

    private ConfigKeys() {
    }

    public static boolean isKnown(String name) {
        return ALL.containsKey(name);
    }

    /** The declared key of that name, or {@code null} when there is none. */
    public static ConfigKey find(String name) {
        return ALL.get(name);
    }

    /** Every key, sorted by name. */
    public static List<ConfigKey> all() {
        return List.copyOf(ALL.values());
    }

    private static Map<String, ConfigKey> index(List<ConfigKey> keys) {
        Map<String, ConfigKey> m = new TreeMap<>();
        for (ConfigKey k : keys) {
            if (m.put(k.name(), k) != null) {
                throw new IllegalStateException("config key declared twice: " + k.name());
            }
        }
        return Collections.unmodifiableMap(m);
    }
}
