package io.distillery.topics;

import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/** Offsets as snapshot manifests store them: "topic-partition" to the next offset to consume. */
public final class Offsets {
    private Offsets() {
    }

    public static String key(TopicPartition tp) {
        return tp.topic() + "-" + tp.partition();
    }

    public static TopicPartition partition(String key) {
        int dash = key.lastIndexOf('-');
        if (dash <= 0) {
            throw new IllegalArgumentException("not a topic-partition: " + key);
        }
        return new TopicPartition(key.substring(0, dash), Integer.parseInt(key.substring(dash + 1)));
    }

    public static Map<String, Long> toManifest(Map<TopicPartition, Long> positions) {
        Map<String, Long> out = new HashMap<>();
        positions.forEach((tp, o) -> out.put(key(tp), o));
        return out;
    }

    public static Map<TopicPartition, Long> fromManifest(Map<String, Long> offsets) {
        Map<TopicPartition, Long> out = new HashMap<>();
        offsets.forEach((k, o) -> out.put(partition(k), o));
        return out;
    }
}
