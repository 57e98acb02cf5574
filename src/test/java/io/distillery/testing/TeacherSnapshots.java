package io.distillery.testing;

import io.distillery.config.Config;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.modelstore.ModelStore;
import io.distillery.modelstore.SnapshotWriter;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.util.Map;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Teacher snapshots as a trainer publishes them, for unit tests that feed a follower's mock consumer. */
public final class TeacherSnapshots {
    private TeacherSnapshots() {
    }

    /**
     * The snapshot message (key and value) of a fresh teacher of {@code config}'s shape, written by the
     * trainer's {@link SnapshotWriter} with the test keys.
     */
    public static ProducerRecord<byte[], byte[]> published(Config config, long version, Map<String, Long> offsets) {
        MockProducer<byte[], byte[]> snapshots = FakeClients.producer();
        FakeClients once = new FakeClients();
        once.next(snapshots);
        once.next(FakeClients.producer());
        try (RoleMetrics m = new RoleMetrics();
             SnapshotWriter writer = new ModelStore(config, once, SnapshotFixtures.CODEC, m, "teacher",
                 Clock.systemUTC()).writer(Topics.TEACHER_SNAPSHOTS, Topics.TEACHER_CHECKPOINTS, "teacher")) {
            writer.publish(Network.teacher(TeacherSettings.from(config).network()), version, -1, offsets);
        }
        return snapshots.history().get(0);
    }
}
