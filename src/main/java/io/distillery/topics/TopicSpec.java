package io.distillery.topics;

import java.util.Map;

/**
 * One topic of the service: its name, what it carries and the configs it needs.
 *
 * @param name the topic name
 * @param purpose one line on what flows on it
 * @param compacted whether the topic is compacted (snapshots: key = model/slot, one per retained version)
 * @param partitions how many partitions {@code topics} creates; 0 means "the configured count"
 */
public record TopicSpec(String name, String purpose, boolean compacted, int partitions) {

    /** Topic-level configs for this topic under the given retention and snapshot size limit. */
    public Map<String, String> configs(long retentionMs, int snapshotMaxBytes) {
        if (compacted) {
            return Map.of("cleanup.policy", "compact",
                "max.message.bytes", Integer.toString(snapshotMaxBytes),
                "min.compaction.lag.ms", "60000");
        }
        return Map.of("cleanup.policy", "delete", "retention.ms", Long.toString(retentionMs));
    }
}
