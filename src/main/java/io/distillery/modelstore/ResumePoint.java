package io.distillery.modelstore;

import io.distillery.model.Network;
import io.distillery.topics.Offsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;

/**
 * Where a role that trains a model starts again after a restart: its newest own snapshot, and for each
 * partition of its input the offset to seek to: the one in the snapshot's manifest, or the beginning of
 * the partition when that is later (records deleted by retention) or the manifest does not name it.
 *
 * @param network the restored network, training state included
 * @param onnx the same network as an ONNX graph, checked equal to it
 * @param version the snapshot's version
 * @param offsets where to seek each input partition
 */
public record ResumePoint(Network network, byte[] onnx, long version, Map<TopicPartition, Long> offsets) {
    /** How long a role waits to read its own snapshot topic to the end before it retries. */
    public static final Duration CATCH_UP = Duration.ofMinutes(2);

    public ResumePoint {
        offsets = Map.copyOf(offsets);
    }

    /**
     * Reads the newest verified snapshot from {@code own} (started here, closed by the caller).
     *
     * @param input the role's input consumer, for the beginning offsets
     * @param parts the role's input partitions
     * @return empty when the role has no snapshot yet
     * @throws TimeoutException (retriable) when the snapshot topic could not be read to its end in time
     */
    public static Optional<ResumePoint> read(FollowedModel own, Consumer<?, ?> input, List<TopicPartition> parts)
        throws InterruptedException {
        own.start();
        if (!own.awaitCaughtUp(CATCH_UP)) {
            throw new TimeoutException("could not read " + own.name() + " to its end within "
                + CATCH_UP.toSeconds() + " s");
        }
        FollowedModel.Current c = own.current();
        if (c == null) {
            return Optional.empty();
        }
        Map<TopicPartition, Long> inManifest = Offsets.fromManifest(c.manifest().inputOffsets());
        Map<TopicPartition, Long> beginning = input.beginningOffsets(parts);
        Map<TopicPartition, Long> seek = new HashMap<>();
        for (TopicPartition tp : parts) {
            seek.put(tp, Math.max(beginning.getOrDefault(tp, 0L), inManifest.getOrDefault(tp, 0L)));
        }
        return Optional.of(new ResumePoint(c.network(), c.checked().onnx(), c.version(), seek));
    }
}
