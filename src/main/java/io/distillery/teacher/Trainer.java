package io.distillery.teacher;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.KafkaClientMeters;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.metrics.SlidingMean;
import io.distillery.model.Network;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.SnapshotWriter;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Offsets;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher's trainer: the single writer of the teacher network.
 *
 * <p>It reads {@code distill.records.labeled} at its own pace (no consumer group: its progress lives in
 * its snapshots), keeps a bounded replay buffer, and takes full mini-batch steps from the buffer,
 * {@code teacher.replay.ratio} training rows per new labeled row, since steps on the few new labels of
 * each batch alone lower the teacher (FINDINGS.md). Every {@code teacher.snapshot.every.steps} steps or
 * {@code .ms} it publishes a signed snapshot carrying the offsets it has consumed, and hands a frozen
 * copy to in-process readers ({@link #latest()}). On start it resumes from its newest snapshot, or
 * bootstraps from a snapshot file or by epochs over the topic's history. Invalid records are skipped
 * and counted here; the emitter, which reads the same topic, dead-letters them.
 *
 * <p>Threading: one thread of its own owns the network and the consumer; {@link #latest()} is safe from
 * any thread.
 */
public final class Trainer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TeacherSettings settings;
    private final Config config;
    private final InputCodec codec;
    private final SnapshotCodec snapshotCodec;
    private final RoleMetrics metrics;
    private final Clock clock;
    private final TrainerAdaptation adaptation;
    private final AtomicReference<TeacherModel> latest = new AtomicReference<>();
    private final SlidingMean prequential = new SlidingMean(1000);
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile long learned;
    private Network network;
    private long version;
    private ReplayBuffer buffer;

    public Trainer(TeacherSettings settings, Config config, SnapshotCodec snapshotCodec, RoleMetrics metrics,
                   Clock clock, TrainerAdaptation adaptation) {
        this.settings = settings;
        this.config = config;
        this.codec = new InputCodec(DataSettings.from(config));
        this.snapshotCodec = snapshotCodec;
        this.metrics = metrics;
        this.clock = clock;
        this.adaptation = adaptation;
        this.thread = new Thread(this::run, "teacher-trainer");
    }

    public Trainer start() {
        thread.start();
        return this;
    }

    /** The newest published teacher, or {@code null} before the first one. */
    public TeacherModel latest() {
        return latest.get();
    }

    /** Labeled records learned from the stream since start (not counting bootstrap or replay). */
    public long learned() {
        return learned;
    }

    /** The error that stopped the trainer, or {@code null} while it runs. */
    public Throwable failure() {
        return failure;
    }

    @SuppressWarnings("try") // clientMeters is only closed
    private void run() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(config,
                 Map.of("isolation.level", "read_committed", "max.poll.records", "1024")));
             KafkaClientMeters clientMeters = KafkaClientMeters.bind(metrics, Roles.TEACHER, consumer);
             SnapshotWriter writer = new SnapshotWriter(config, Topics.TEACHER_SNAPSHOTS, Models.TEACHER, Roles.TEACHER, snapshotCodec,
                 metrics, clock)) {
            List<TopicPartition> parts = KafkaClients.awaitPartitions(consumer, Topics.LABELED);
            consumer.assign(parts);
            Map<TopicPartition, Long> start = restore(consumer, parts);
            buffer = new ReplayBuffer(settings.bufferSize(), false, settings.network().seed());
            if (start == null) {
                start = bootstrap(consumer, parts, writer);
            } else {
                refill(consumer, parts, start);
            }
            start.forEach(consumer::seek);
            loop(consumer, parts, writer);
        } catch (RuntimeException | InterruptedException e) {
            if (running) {
                failure = e;
                LOG.error("teacher trainer stopped", e);
            }
        }
    }

    private void loop(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts, SnapshotWriter writer) {
        Counter skipped = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, "skipped-invalid");
        Counter consumed = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.LABELED.name());
        Counter steps = metrics.counter(Metrics.TRAINING_STEPS, Roles.TEACHER, Models.TEACHER, "replay");
        RoleMetrics.GaugeValue loss = metrics.gauge(Metrics.TRAINING_LOSS, Roles.TEACHER, Models.TEACHER);
        RoleMetrics.GaugeValue accuracy = metrics.gauge(Metrics.PREQUENTIAL_ACCURACY, Roles.TEACHER, Models.TEACHER);
        double credit = 0;
        long stepsSincePublish = 0;
        // records consumed since the last snapshot, even ones that led to no step (invalid, or too few to
        // make a batch): their offsets must reach a snapshot too, or a restart reads them again
        boolean consumedSincePublish = false;
        long lastPublish = clock.millis();
        while (running) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
            consumedSincePublish |= !records.isEmpty();
            List<float[]> xs = new ArrayList<>();
            List<Integer> ys = new ArrayList<>();
            for (ConsumerRecord<byte[], byte[]> r : records) {
                Decoded d = codec.decode(r.value());
                if (!d.valid() || !d.record().labeled()) {
                    skipped.increment();
                    continue;
                }
                xs.add(d.record().features());
                ys.add(d.record().label());
            }
            consumed.increment(xs.size());
            if (!xs.isEmpty()) {
                float[][] x = xs.toArray(new float[0][]);
                int[] y = ys.stream().mapToInt(Integer::intValue).toArray();
                int[] predicted = network.predict(x);
                for (int i = 0; i < y.length; i++) {
                    prequential.add(predicted[i] == y[i] ? 1 : 0);
                    buffer.add(x[i], y[i], null);
                }
                accuracy.set(prequential.mean());
                learned += y.length;
                adaptation.onLabeledRecords(y.length, network, buffer);
                credit += y.length * settings.replayRatio();
                while (credit >= settings.batchSize() && running) {
                    ReplayBuffer.Batch b = buffer.sample(settings.batchSize());
                    long stepStart = System.nanoTime();
                    loss.set(network.fitHard(b.x(), b.labels()));
                    yieldCpu(System.nanoTime() - stepStart);
                    steps.increment();
                    stepsSincePublish++;
                    credit -= settings.batchSize();
                }
            }
            boolean due = stepsSincePublish >= settings.snapshotEverySteps()
                || ((stepsSincePublish > 0 || consumedSincePublish)
                    && clock.millis() - lastPublish >= settings.snapshotEveryMs());
            if (due) {
                publish(writer, positions(consumer, parts));
                stepsSincePublish = 0;
                consumedSincePublish = false;
                lastPublish = clock.millis();
            }
        }
        if (stepsSincePublish > 0 || consumedSincePublish) {
            publish(writer, positions(consumer, parts));
        }
    }

    /**
     * Keeps the trainer within {@code teacher.trainer.cpu.share} of a core: after a step of {@code nanos}
     * it rests so long that the step is that share of the elapsed time. Training is what may wait; the
     * emitter beside it in the process must not (its rate must not fall when the replay ratio rises).
     */
    private void yieldCpu(long nanos) {
        double share = settings.trainerCpuShare();
        if (share >= 1) {
            return;
        }
        long rest = (long) (nanos * (1 - share) / share);
        try {
            Thread.sleep(rest / 1_000_000, (int) (rest % 1_000_000));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void publish(SnapshotWriter writer, Map<TopicPartition, Long> offsets) {
        version++;
        writer.publish(network, version, -1, Offsets.toManifest(offsets));
        latest.set(new TeacherModel(version, network.copy()));
        LOG.info("teacher snapshot v{} published after {} steps (prequential accuracy {})", version,
            network.steps(), String.format("%.3f", prequential.mean()));
    }

    /** Restores the newest own snapshot; returns its offsets, or null when there is none. */
    private Map<TopicPartition, Long> restore(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts)
        throws InterruptedException {
        int inputs = settings.network().inputs();
        int outputs = settings.network().outputs();
        try (FollowedModel own = new FollowedModel(config, Topics.TEACHER_SNAPSHOTS, Models.TEACHER, snapshotCodec, inputs,
            outputs, metrics, Roles.TEACHER).start()) {
            own.awaitCaughtUp(Duration.ofMinutes(2));
            FollowedModel.Current c = own.current();
            if (c == null) {
                return null;
            }
            network = c.network();
            version = c.version();
            latest.set(new TeacherModel(version, network.copy()));
            LOG.info("teacher resumed from its snapshot v{} ({} steps)", version, network.steps());
            Map<TopicPartition, Long> offsets = new HashMap<>(Offsets.fromManifest(c.manifest().inputOffsets()));
            Map<TopicPartition, Long> beginning = consumer.beginningOffsets(parts);
            parts.forEach(tp -> offsets.merge(tp, beginning.get(tp), Math::max));
            offsets.keySet().retainAll(parts);
            return offsets;
        }
    }

    /** No snapshot yet: start from a file, or from epochs over the history, or cold. Returns where to go on. */
    private Map<TopicPartition, Long> bootstrap(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts,
                                                SnapshotWriter writer) {
        if (settings.bootstrapFile() != null) {
            network = TeacherBootstrap.fromFile(settings.bootstrapFile(), snapshotCodec, settings.network());
            LOG.info("teacher bootstrapped from {}", settings.bootstrapFile());
        } else {
            network = Network.teacher(settings.network());
        }
        Map<TopicPartition, Long> from = consumer.beginningOffsets(parts);
        if (settings.bootstrapEpochs() > 0) {
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            new TeacherBootstrap(settings, codec, metrics).trainOnHistory(consumer, from, end, network, buffer);
            publish(writer, end);
            return end;
        }
        return from;
    }

    /** After a restart: refill the replay buffer with the records just before the resume point. */
    private void refill(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts,
                        Map<TopicPartition, Long> resumeAt) {
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(parts);
        Map<TopicPartition, Long> from = new HashMap<>();
        long perPartition = settings.bufferSize() / Math.max(1, parts.size());
        resumeAt.forEach((tp, o) -> from.put(tp, Math.max(beginning.get(tp), o - perPartition)));
        new TeacherBootstrap(settings, codec, metrics).fillBuffer(consumer, from, resumeAt, buffer);
        LOG.info("teacher replay buffer refilled with {} records before the resume point", buffer.size());
    }

    private static Map<TopicPartition, Long> positions(KafkaConsumer<byte[], byte[]> consumer,
                                                       List<TopicPartition> parts) {
        Map<TopicPartition, Long> out = new HashMap<>();
        parts.forEach(tp -> out.put(tp, consumer.position(tp)));
        return out;
    }


    /** Stops after the current step, publishes what it learned since the last snapshot, and closes. */
    @Override
    public void close() {
        running = false;
        try {
            thread.join(60_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
