package io.distillery.teacher;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.KafkaClientMeters;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.records.DeadLetters;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.records.InputRecord;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.records.RejectReason;
import io.distillery.spec.Roles;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
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
 * so a {@code read_committed} reader sees one logits message per valid input record across crashes.
 * It never waits on training: it computes logits with whatever teacher {@link #teacher} supplies now
 * (the trainer's published copy in one process, or a followed snapshot), and waits only until a first
 * teacher exists. Unlabeled records pass through the {@link EmissionGate}.
 *
 * <p>Threading: one thread of its own; it owns its copy of the teacher.
 */
public final class Emitter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Emitter.class);
    public static final String GROUP = "distill-teacher-emitter";

    private final TeacherSettings settings;
    private final Config config;
    private final InputCodec codec;
    private final Supplier<TeacherModel> teacher;
    private final EmissionGate gate;
    private final RoleMetrics metrics;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile Throwable failure;
    private long emitted;
    private TeacherModel inUse;
    private Network ownCopy;

    public Emitter(TeacherSettings settings, Config config, Supplier<TeacherModel> teacher, EmissionGate gate,
                   RoleMetrics metrics) {
        this.settings = settings;
        this.config = config;
        this.codec = new InputCodec(DataSettings.from(config));
        this.teacher = teacher;
        this.gate = gate;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "teacher-emitter");
    }

    public Emitter start() {
        thread.start();
        return this;
    }

    public Throwable failure() {
        return failure;
    }

    /** Logits messages committed by this emitter since start. */
    public long emitted() {
        return emitted;
    }

    @SuppressWarnings("try") // the client meters are only closed
    private void run() {
        try {
            awaitTeacher();
            try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(KafkaClients.consumer(config, Map.of(
                     "group.id", GROUP, "isolation.level", "read_committed",
                     "max.poll.records", Integer.toString(settings.emitterMaxPollRecords()))));
                 KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of(
                     "transactional.id", "distill-emitter-" + settings.emitterId(),
                     "transaction.timeout.ms", "60000")));
                 KafkaClientMeters consumerMeters = KafkaClientMeters.bind(metrics, Roles.TEACHER, consumer);
                 KafkaClientMeters producerMeters = KafkaClientMeters.bind(metrics, Roles.TEACHER, producer)) {
                producer.initTransactions();
                consumer.subscribe(List.of(Topics.LABELED.name(), Topics.UNLABELED.name()));
                loop(consumer, producer);
            }
        } catch (ProducerFencedException e) {
            failure = e;
            LOG.error("emitter fenced: another replica uses teacher.emitter.id={}; stopping", settings.emitterId());
        } catch (RuntimeException | InterruptedException e) {
            if (running) {
                failure = e;
                LOG.error("teacher emitter stopped", e);
            }
        }
    }

    private void awaitTeacher() throws InterruptedException {
        long since = System.nanoTime();
        while (running && teacher.get() == null) {
            if (System.nanoTime() - since > Duration.ofSeconds(30).toNanos()) {
                LOG.info("emitter waiting for a first teacher snapshot");
                since = System.nanoTime();
            }
            Thread.sleep(100);
        }
    }

    private void loop(KafkaConsumer<byte[], byte[]> consumer, KafkaProducer<byte[], byte[]> producer) {
        DeadLetters deadLetters = new DeadLetters(producer, Roles.TEACHER, metrics);
        Counter labeledOut = metrics.counter(Metrics.LOGITS_EMITTED, Roles.TEACHER, "labeled");
        Counter unlabeledOut = metrics.counter(Metrics.LOGITS_EMITTED, Roles.TEACHER, "unlabeled");
        Counter skipped = metrics.counter(Metrics.LOGITS_SKIPPED, Roles.TEACHER);
        Counter inLabeled = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.LABELED.name());
        Counter inUnlabeled = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.UNLABELED.name());
        while (running) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
            if (records.isEmpty()) {
                continue;
            }
            Network net = network();
            producer.beginTransaction();
            try {
                Batch batch = Batch.of(records, codec, deadLetters);
                long[] counts = emit(batch, net, producer);
                producer.sendOffsetsToTransaction(nextOffsets(records), consumer.groupMetadata());
                producer.commitTransaction();
                emitted += counts[0] + counts[1];
                labeledOut.increment(counts[0]);
                unlabeledOut.increment(counts[1]);
                skipped.increment(counts[2]);
                inLabeled.increment(batch.fromLabeled);
                inUnlabeled.increment(records.count() - batch.fromLabeled);
                gate.onRecords(records.count());
            } catch (ProducerFencedException | OutOfOrderSequenceException | AuthorizationException e) {
                throw e;
            } catch (KafkaException e) {
                LOG.warn("emitter transaction aborted, re-reading from the last commit: {}", e.toString());
                producer.abortTransaction();
                rewind(consumer);
            }
        }
    }

    /** Sends the logits; returns {labeled emitted, unlabeled emitted, unlabeled skipped}. */
    private long[] emit(Batch batch, Network net, KafkaProducer<byte[], byte[]> producer) {
        long[] counts = new long[3];
        if (batch.records.isEmpty()) {
            return counts;
        }
        float[][] x = new float[batch.records.size()][];
        for (int i = 0; i < x.length; i++) {
            x[i] = batch.records.get(i).features();
        }
        float[][] logits = net.logits(x);
        for (int i = 0; i < x.length; i++) {
            InputRecord r = batch.records.get(i);
            if (!r.labeled() && !gate.shouldEmit(r.id(), LogitMath.argmax(logits[i]))) {
                counts[2]++;
                continue;
            }
            LogitsMessage m = new LogitsMessage(r.id(), r.ts(), r.label(), inUse.version(), r.features(), logits[i]);
            producer.send(new ProducerRecord<>(Topics.TEACHER_LOGITS.name(), r.id().getBytes(StandardCharsets.UTF_8),
                LogitsCodec.encode(m)));
            counts[r.labeled() ? 0 : 1]++;
        }
        return counts;
    }

    private Network network() {
        TeacherModel t = teacher.get();
        if (inUse == null || t.version() != inUse.version()) {
            inUse = t;
            ownCopy = t.network().copy();
            LOG.info("emitter now computes logits with teacher v{}", t.version());
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

    private static void rewind(KafkaConsumer<byte[], byte[]> consumer) {
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

    @Override
    public void close() {
        running = false;
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
