package io.distillery.student;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.metrics.KafkaClientMeters;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.SnapshotWriter;
import io.distillery.records.DeadLetters;
import io.distillery.records.EvalCodec;
import io.distillery.records.EvalMessage;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.records.RejectReason;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Offsets;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The student: distills the teacher's logits in real time.
 *
 * <p>For each batch from {@code distill.teacher.logits} ({@code read_committed}) it first evaluates
 * (KL at T and top-1 agreement against the teacher, both models against the label where there is one)
 * and writes one {@link EvalMessage} per record to {@code distill.student.evals}; then it trains on the
 * batch, and on replayed past records whose soft targets are recomputed by the newest teacher snapshot
 * it follows, so replay teaches what the current teacher knows rather than the cold teacher that first
 * saw a record (FINDINGS.md). Replay fills spare time: its budget per batch shrinks linearly with the
 * consumer lag so the student never falls behind the stream. It publishes snapshots with its offsets
 * and resumes from the newest one after a restart.
 *
 * <p>Threading: one thread of its own owns the student network and the consumer.
 */
public final class StudentLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StudentLoop.class);
    public static final String GROUP = "distill-student";

    private final StudentSettings settings;
    private final Config config;
    private final SnapshotCodec snapshotCodec;
    private final FollowedModel teacher;
    private final RoleMetrics metrics;
    private final Clock clock;
    private final Thread thread;
    private final Evaluation evaluation;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private volatile long version;
    private volatile long processed;
    private Network student;
    private ReplayBuffer buffer;
    private long refreshedWithVersion = Long.MIN_VALUE;
    private Network teacherCopy;

    /** @param teacher the followed teacher snapshots, for refreshing the soft targets of replayed records */
    public StudentLoop(StudentSettings settings, Config config, SnapshotCodec snapshotCodec, FollowedModel teacher,
                       RoleMetrics metrics, Clock clock) {
        this.settings = settings;
        this.config = config;
        this.snapshotCodec = snapshotCodec;
        this.teacher = teacher;
        this.metrics = metrics;
        this.clock = clock;
        this.evaluation = new Evaluation(settings.distillation().temperature(), metrics);
        this.thread = new Thread(this::run, "student");
    }

    public StudentLoop start() {
        thread.start();
        return this;
    }

    public Throwable failure() {
        return failure;
    }

    /** Version of the newest student snapshot published (0 before the first). */
    public long version() {
        return version;
    }

    /** Logits messages learned from since start. */
    public long processed() {
        return processed;
    }

    /** Recent top-1 agreement with the teacher, prequential student and teacher accuracy. */
    public double[] recent() {
        return new double[] {evaluation.agreement(), evaluation.studentAccuracy(), evaluation.teacherAccuracy()};
    }

    @SuppressWarnings("try") // the client meters are only closed
    private void run() {
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(config, Map.of(
                 "group.id", GROUP, "isolation.level", "read_committed",
                 "max.poll.records", Integer.toString(settings.batchSize() * 4))));
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()));
             KafkaClientMeters consumerMeters = KafkaClientMeters.bind(metrics, Roles.STUDENT, consumer);
             KafkaClientMeters producerMeters = KafkaClientMeters.bind(metrics, Roles.STUDENT, producer);
             SnapshotWriter writer = new SnapshotWriter(config, Topics.STUDENT_SNAPSHOTS, Models.STUDENT, Roles.STUDENT, snapshotCodec,
                 metrics, clock)) {
            List<TopicPartition> parts = KafkaClients.awaitPartitions(consumer, Topics.TEACHER_LOGITS);
            consumer.assign(parts);
            buffer = new ReplayBuffer(settings.bufferSize(), true, settings.network().seed());
            restore(consumer, parts);
            loop(consumer, producer, writer, parts);
        } catch (RuntimeException | InterruptedException e) {
            if (running) {
                failure = e;
                LOG.error("student stopped", e);
            }
        }
    }

    private void loop(KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> producer,
                      SnapshotWriter writer, List<TopicPartition> parts) {
        DeadLetters deadLetters = new DeadLetters(producer, Roles.STUDENT, metrics);
        Counter consumed = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.STUDENT, Topics.TEACHER_LOGITS.name());
        Counter streamSteps = metrics.counter(Metrics.TRAINING_STEPS, Roles.STUDENT, Models.STUDENT, "stream");
        Counter replaySteps = metrics.counter(Metrics.TRAINING_STEPS, Roles.STUDENT, Models.STUDENT, "replay");
        RoleMetrics.GaugeValue loss = metrics.gauge(Metrics.TRAINING_LOSS, Roles.STUDENT, Models.STUDENT);
        long stepsSincePublish = 0;
        long lastPublish = clock.millis();
        List<LogitsMessage> pending = new ArrayList<>();
        while (running) {
            for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                LogitsMessage m = decode(r, deadLetters);
                if (m != null) {
                    pending.add(m);
                }
            }
            consumed.increment(pending.size());
            for (int from = 0; from < pending.size(); from += settings.batchSize()) {
                List<LogitsMessage> batch = pending.subList(from, Math.min(pending.size(), from + settings.batchSize()));
                loss.set(learn(batch, producer));
                streamSteps.increment();
                stepsSincePublish++;
                int budget = settings.replayBudget(lag(consumer, parts));
                for (int k = 0; k < budget && running; k++) {
                    loss.set(replay());
                    replaySteps.increment();
                    stepsSincePublish++;
                }
            }
            processed += pending.size();
            pending.clear();
            evaluation.publish();
            boolean due = stepsSincePublish >= settings.snapshotEverySteps()
                || (stepsSincePublish > 0 && clock.millis() - lastPublish >= settings.snapshotEveryMs());
            if (due) {
                publish(writer, consumer, parts);
                stepsSincePublish = 0;
                lastPublish = clock.millis();
            }
        }
        if (stepsSincePublish > 0) {
            publish(writer, consumer, parts);
        }
    }

    /** Evaluate, emit the evaluations, then train on the batch; returns the loss. */
    private double learn(List<LogitsMessage> batch, KafkaProducer<byte[], byte[]> producer) {
        int n = batch.size();
        float[][] x = new float[n][];
        float[][] t = new float[n][];
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            LogitsMessage m = batch.get(i);
            x[i] = m.features();
            t[i] = m.logits();
            y[i] = m.label();
        }
        float[][] before = student.logits(x);
        for (int i = 0; i < n; i++) {
            EvalMessage e = evaluation.score(batch.get(i), before[i], version);
            producer.send(new ProducerRecord<>(Topics.STUDENT_EVALS.name(),
                e.recordId().getBytes(StandardCharsets.UTF_8), EvalCodec.encode(e)));
        }
        double loss = student.fitDistill(x, t, y);
        for (int i = 0; i < n; i++) {
            buffer.add(x[i], y[i], t[i], batch.get(i).teacherVersion());
        }
        return loss;
    }

    /** One replay step; soft targets older than the newest teacher are recomputed by it first. */
    private double replay() {
        ReplayBuffer.Batch b = buffer.sample(settings.batchSize());
        FollowedModel.Current now = teacher.current();
        if (now != null) {
            if (now.version() != refreshedWithVersion) {
                teacherCopy = now.network().copy();
                refreshedWithVersion = now.version();
            }
            List<Integer> stale = new ArrayList<>();
            for (int i = 0; i < b.size(); i++) {
                if (buffer.logitsVersion(b.slots()[i]) != now.version()) {
                    stale.add(i);
                }
            }
            if (!stale.isEmpty()) {
                float[][] sx = new float[stale.size()][];
                for (int k = 0; k < sx.length; k++) {
                    sx[k] = b.x()[stale.get(k)];
                }
                float[][] fresh = teacherCopy.logits(sx);
                for (int k = 0; k < sx.length; k++) {
                    int i = stale.get(k);
                    b.logits()[i] = fresh[k];
                    buffer.refresh(b.slots()[i], fresh[k], now.version());
                }
            }
        }
        return student.fitDistill(b.x(), b.logits(), b.labels());
    }

    private LogitsMessage decode(ConsumerRecord<byte[], byte[]> r, DeadLetters deadLetters) {
        try {
            LogitsMessage m = LogitsCodec.decode(r.value());
            if (m.features().length != student.inputs() || m.logits().length != student.outputs()) {
                deadLetters.send(r.key(), r.value(), RejectReason.WRONG_SHAPE, m.features().length + " features and "
                    + m.logits().length + " logits, expected " + student.inputs() + " and " + student.outputs(),
                    r.topic(), r.partition(), r.offset());
                return null;
            }
            return m;
        } catch (IllegalArgumentException e) {
            deadLetters.send(r.key(), r.value(), RejectReason.MALFORMED_MESSAGE, e.getMessage(), r.topic(),
                r.partition(), r.offset());
            return null;
        }
    }

    private void publish(SnapshotWriter writer, KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts) {
        Map<TopicPartition, Long> positions = new HashMap<>();
        parts.forEach(tp -> positions.put(tp, consumer.position(tp)));
        FollowedModel.Current t = teacher.current();
        writer.publish(student, version + 1, t == null ? -1 : t.version(), Offsets.toManifest(positions));
        version++;
        // Committed only for visibility (consumer lag in dashboards); the student resumes from its snapshot.
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        positions.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
        consumer.commitAsync(commit, null);
        LOG.info("student snapshot v{}: agreement {}, prequential accuracy {} (teacher {}), {} records",
            version, fmt(evaluation.agreement()), fmt(evaluation.studentAccuracy()),
            fmt(evaluation.teacherAccuracy()), processed);
    }

    private void restore(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts)
        throws InterruptedException {
        try (FollowedModel own = new FollowedModel(config, Topics.STUDENT_SNAPSHOTS, Models.STUDENT, snapshotCodec,
            settings.network().inputs(), settings.network().outputs(), metrics, Roles.STUDENT).start()) {
            own.awaitCaughtUp(Duration.ofMinutes(2));
            FollowedModel.Current c = own.current();
            if (c == null) {
                student = Network.student(settings.network(), settings.distillation());
                consumer.seekToBeginning(parts);
                return;
            }
            student = c.network();
            version = c.version();
            Map<TopicPartition, Long> offsets = Offsets.fromManifest(c.manifest().inputOffsets());
            Map<TopicPartition, Long> beginning = consumer.beginningOffsets(parts);
            for (TopicPartition tp : parts) {
                consumer.seek(tp, Math.max(beginning.get(tp), offsets.getOrDefault(tp, 0L)));
            }
            LOG.info("student resumed from its snapshot v{} ({} steps)", version, student.steps());
        }
    }

    private static long lag(KafkaConsumer<byte[], byte[]> consumer, List<TopicPartition> parts) {
        long lag = 0;
        for (TopicPartition tp : parts) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        return lag;
    }


    private static String fmt(double v) {
        return String.format("%.3f", v);
    }

    /** Stops after the current batch, publishes what it learned since the last snapshot, and closes. */
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
