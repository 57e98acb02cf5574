package io.distillery.teacher;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.Engine;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Predictor;
import io.distillery.records.DeadLetters;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.records.InputRecord;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.records.RejectReason;
import io.distillery.service.ServiceLoop;
import io.distillery.spec.Roles;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.MeteredClients;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher's emitter: for every valid input record, the logits of the newest teacher, written
 * exactly once.
 *
 * <p>A member of the consumer group {@code distill-teacher-emitter} over both input topics (so replicas
 * share the partitions). Each poll is one Kafka transaction: the logits messages, the dead letters of
 * the poll's invalid records, and the input offsets ({@code sendOffsetsToTransaction}) commit together,
 * so a {@code read_committed} reader sees one logits message per valid input record across crashes; dead
 * letters are counted when their transaction commits.
 * It never waits on training: it computes logits with whatever teacher {@link #teacher} supplies now
 * (the trainer's published copy in one process, or a followed snapshot), and waits only until a first
 * teacher exists. Unlabeled records pass through the {@link EmissionGate}.
 *
 * <p>Threading: a {@link ServiceLoop}; its thread owns the clients and its copy of the teacher.
 */
public final class Emitter extends ServiceLoop {
    private static final Logger LOG = LoggerFactory.getLogger(Emitter.class);
    public static final String GROUP = "distill-teacher-emitter";

    /** What one poll emitted: logits of labeled and of unlabeled records, and unlabeled records the gate skipped. */
    record Emitted(long labeled, long unlabeled, long skipped) {
    }

    private final TeacherSettings settings;
    private final InputCodec codec;
    private final Supplier<TeacherModel> teacher;
    private final EmissionGate gate;
    private final MeteredClients clients;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final DeadLetters deadLetters;
    private final Counter labeledOut;
    private final Counter unlabeledOut;
    private final Counter skippedOut;
    private final Counter inLabeled;
    private final Counter inUnlabeled;
    private volatile long emitted;
    private boolean transactional;
    private long waitingSince = -1;
    private TeacherModel inUse;
    private final Engine engine;
    private Predictor ownCopy;

    public Emitter(TeacherSettings settings, Config config, ClientFactory clients, Supplier<TeacherModel> teacher,
                   EmissionGate gate, RoleMetrics metrics, Duration stuckAfter, Clock clock) {
        super("teacher-emitter", stuckAfter, clock);
        this.settings = settings;
        this.codec = new InputCodec(DataSettings.from(config), clock);
        this.engine = Engine.of(InferenceSettings.from(config).engine());
        this.teacher = teacher;
        this.gate = gate;
        this.clients = new MeteredClients(clients, metrics, Roles.TEACHER);
        this.consumer = this.clients.consumer(KafkaClients.consumer(config, Map.of(
            "group.id", GROUP, "isolation.level", "read_committed",
            "max.poll.records", Integer.toString(settings.emitterMaxPollRecords()))));
        this.producer = this.clients.producer(KafkaClients.producer(config, Map.of(
            "transactional.id", "distill-emitter-" + settings.emitterId(),
            "transaction.timeout.ms", "60000")));
        this.deadLetters = DeadLetters.transactional(producer, Roles.TEACHER, metrics);
        this.labeledOut = metrics.counter(Metrics.LOGITS_EMITTED, Roles.TEACHER, "labeled");
        this.unlabeledOut = metrics.counter(Metrics.LOGITS_EMITTED, Roles.TEACHER, "unlabeled");
        this.skippedOut = metrics.counter(Metrics.LOGITS_SKIPPED, Roles.TEACHER);
        this.inLabeled = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.LABELED.name());
        this.inUnlabeled = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.UNLABELED.name());
    }

    /** Logits messages committed by this emitter since start. */
    public long emitted() {
        return emitted;
    }

    @Override
    protected void doWork() throws InterruptedException {
        if (teacher.get() == null) {
            awaitTeacher();
            return;
        }
        if (!transactional) {
            producer.initTransactions();
            consumer.subscribe(List.of(Topics.LABELED.name(), Topics.UNLABELED.name()));
            transactional = true;
        }
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
        if (!records.isEmpty()) {
            transact(records, network());
        }
    }

    private void awaitTeacher() throws InterruptedException {
        long now = System.nanoTime();
        if (waitingSince < 0 || now - waitingSince > Duration.ofSeconds(30).toNanos()) {
            LOG.info("emitter waiting for a first teacher snapshot");
            waitingSince = now;
        }
        pause(100);
    }

    /** One poll, one transaction; an aborted one is read again from the last commit. */
    private void transact(ConsumerRecords<byte[], byte[]> records, Predictor net) {
        try {
            producer.beginTransaction();
            Batch batch = Batch.of(records, codec, deadLetters);
            Emitted counts = emit(batch, net);
            producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
            producer.commitTransaction();
            deadLetters.committed();
            emitted += counts.labeled() + counts.unlabeled();
            labeledOut.increment(counts.labeled());
            unlabeledOut.increment(counts.unlabeled());
            skippedOut.increment(counts.skipped());
            inLabeled.increment(batch.fromLabeled);
            inUnlabeled.increment(records.count() - batch.fromLabeled);
            gate.onRecords(records.count());
        } catch (ProducerFencedException e) {
            throw new IllegalStateException("emitter fenced: another replica uses teacher.emitter.id="
                + settings.emitterId(), e);
        } catch (OutOfOrderSequenceException | AuthorizationException e) {
            throw e;
        } catch (KafkaException e) {
            LOG.warn("emitter transaction aborted, re-reading from the last commit: {}", e.toString());
            producer.abortTransaction();
            deadLetters.aborted();
            rewind();
        }
    }

    /** Sends the logits of one poll's valid records. */
    private Emitted emit(Batch batch, Predictor net) {
        if (batch.records.isEmpty()) {
            return new Emitted(0, 0, 0);
        }
        float[][] x = new float[batch.records.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = batch.records.get(i).features();
        }
        float[][] logits = net.logits(x);
        long labeled = 0;
        long unlabeled = 0;
        long skipped = 0;
        for (int i = 0; i < x.length; i++) {
            InputRecord r = batch.records.get(i);
            if (!r.labeled() && !gate.shouldEmit(r.id(), LogitMath.argmax(logits[i]))) {
                skipped++;
                continue;
            }
            LogitsMessage m = new LogitsMessage(r.id(), r.ts(), r.label(), inUse.version(), r.features(), logits[i]);
            producer.send(new ProducerRecord<>(Topics.TEACHER_LOGITS.name(), r.id().getBytes(StandardCharsets.UTF_8),
                LogitsCodec.encode(m)));
            if (r.labeled()) {
                labeled++;
            } else {
                unlabeled++;
            }
        }
        return new Emitted(labeled, unlabeled, skipped);
    }

    /** The emitter's own predictor of the newest teacher on the configured engine; the replaced one is closed. */
    private Predictor network() {
        TeacherModel t = teacher.get();
        if (inUse == null || t.version() != inUse.version()) {
            Predictor next = t.open(engine);
            if (ownCopy != null) {
                ownCopy.close();
            }
            inUse = t;
            ownCopy = next;
            LOG.info("emitter now computes logits with teacher v{} ({})", t.version(), engine.tag());
        }
        return ownCopy;
    }

    private static Map<TopicPartition, OffsetAndMetadata> nextOffsets(ConsumerRecords<byte[], byte[]> records) {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (TopicPartition tp : records.partitions()) {
            List<ConsumerRecord<byte[], byte[]>> rs = records.records(tp);
            out.put(tp, new OffsetAndMetadata(rs.get(rs.size() - 1).offset() + 1));
        }
        return out;
    }

    private void rewind() {
        var committed = consumer.committed(consumer.assignment());
        for (TopicPartition tp : consumer.assignment()) {
            OffsetAndMetadata o = committed.get(tp);
            if (o != null) {
                consumer.seek(tp, o.offset());
            } else {
                consumer.seekToBeginning(List.of(tp));
            }
        }
    }

    @Override
    protected void tearDown() {
        if (ownCopy != null) {
            ownCopy.close();
        }
        clients.close();
    }

    /** The valid records of one poll; the invalid ones are dead-lettered on the way. */
    private static final class Batch {
        final List<InputRecord> records = new ArrayList<>();
        long fromLabeled;

        static Batch of(ConsumerRecords<byte[], byte[]> polled, InputCodec codec, DeadLetters deadLetters) {
            Batch b = new Batch();
            for (ConsumerRecord<byte[], byte[]> r : polled) {
                boolean labeledTopic = r.topic().equals(Topics.LABELED.name());
                b.fromLabeled += labeledTopic ? 1 : 0;
                Decoded d = codec.decode(r.value());
                if (!d.valid()) {
                    deadLetters.send(r.key(), r.value(), d.reason(), d.detail(), r.topic(), r.partition(), r.offset());
                } else if (labeledTopic && !d.record().labeled()) {
                    deadLetters.send(r.key(), r.value(), RejectReason.MISSING_LABEL,
                        "record on " + r.topic() + " has no label", r.topic(), r.partition(), r.offset());
                } else {
                    b.records.add(d.record());
                }
            }
            return b;
        }
    }
}
