package io.distillery.teacher;

import io.distillery.config.TeacherSettings;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.SnapshotVerifier;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.spec.Models;
import io.distillery.spec.NetworkSpec;
import io.distillery.spec.Roles;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** How a teacher without a snapshot gets going: from a snapshot file, or from the labeled history. */
final class TeacherBootstrap {
    private static final Logger LOG = LoggerFactory.getLogger(TeacherBootstrap.class);

    private final TeacherSettings settings;
    private final InputCodec codec;
    private final RoleMetrics metrics;
    private final PublishGate gate;

    /** Rows the {@code gate} holds out go to its window, never into training or the replay buffer. */
    TeacherBootstrap(TeacherSettings settings, InputCodec codec, RoleMetrics metrics, PublishGate gate) {
        this.settings = settings;
        this.codec = codec;
        this.metrics = metrics;
        this.gate = gate;
    }

    /** Loads and verifies a snapshot file; fails naming the file and the reason. */
    Network fromFile(Path file, SnapshotCodec codec) {
        NetworkSpec spec = settings.network();
        try {
            return SnapshotVerifier.ofNetworks(Models.TEACHER, spec.inputs(), spec.outputs(), codec, metrics,
                Roles.TEACHER).verify(Files.readAllBytes(file), -1).model().network();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read teacher.bootstrap.file " + file, e);
        } catch (SnapshotException e) {
            throw new IllegalStateException("teacher.bootstrap.file " + file + " rejected (" + e.reason().tag()
                + "): " + e.getMessage(), e);
        }
    }

    /**
     * Reads the labeled records in [from, end), adds them to the buffer and trains the epochs over them (the
     * held-out ones go to the gate's window instead).
     */
    void trainOnHistory(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> from,
                        Map<TopicPartition, Long> end, Network network, ReplayBuffer buffer) {
        List<float[]> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        read(consumer, from, end, (x, y) -> {
            xs.add(x);
            ys.add(y);
            buffer.add(x, y, null);
        });
        if (xs.isEmpty()) {
            LOG.info("teacher bootstrap: the labeled topic has no history yet; starting cold");
            return;
        }
        var steps = metrics.counter(Metrics.TRAINING_STEPS, Roles.TEACHER, Models.TEACHER, "bootstrap");
        SplittableRandom rng = new SplittableRandom(settings.network().seed());
        int n = xs.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        int b = settings.batchSize();
        for (int epoch = 1; epoch <= settings.bootstrapEpochs(); epoch++) {
            for (int i = n - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = order[i];
                order[i] = order[j];
                order[j] = t;
            }
            double lossSum = 0;
            int batches = 0;
            for (int s = 0; s + b <= n; s += b) {
                float[][] x = new float[b][];
                int[] y = new int[b];
                for (int k = 0; k < b; k++) {
                    x[k] = xs.get(order[s + k]);
                    y[k] = ys.get(order[s + k]);
                }
                lossSum += network.fitHard(x, y);
                batches++;
                steps.increment();
            }
            LOG.info("teacher bootstrap epoch {}/{} over {} labeled records: mean loss {}", epoch,
                settings.bootstrapEpochs(), n, String.format("%.4f", lossSum / Math.max(1, batches)));
        }
    }

    /** Reads the labeled records in [from, end) into the buffer (held-out ones into the gate's window). */
    void fillBuffer(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> from,
                    Map<TopicPartition, Long> end, ReplayBuffer buffer) {
        read(consumer, from, end, (x, y) -> buffer.add(x, y, null));
    }

    private interface Sink {
        void accept(float[] x, int y);
    }

    private void read(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> from,
                      Map<TopicPartition, Long> end, Sink sink) {
        from.forEach(consumer::seek);
        long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
        while (!reached(consumer, end) && System.nanoTime() < deadline) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                TopicPartition tp = new TopicPartition(r.topic(), r.partition());
                if (r.offset() >= end.get(tp)) {
                    continue;
                }
                Decoded d = codec.decode(r.value());
                if (!d.valid() || !d.record().labeled()) {
                    continue;
                }
                if (gate.holdsOut(d.record().id())) {
                    gate.hold(d.record().features(), d.record().label());
                } else {
                    sink.accept(d.record().features(), d.record().label());
                }
            }
        }
    }

    private static boolean reached(Consumer<byte[], byte[]> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }
}
