package io.distillery.teacher;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.HintSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.inference.Engine;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Forward;
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
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
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
import org.apache.kafka.common.errors.TimeoutException;
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
 * <p>Threading: a {@link ServiceLoop}; its thread owns the clients. One scorer thread owns the emitter's copy
 * of the teacher and decodes and scores poll N+1 while the loop's thread waits for poll N's commit; an
 * aborted transaction drops what was scored ahead and reads again from the last commit.
 *
 * <p>Broker outages: a commit that times out is retried (the loop's backoff, {@code /health} says it is
 * waiting) until the broker answers, since Kafka lets a timed-out commit be retried but not aborted; an
 * abort or the rewind after it that times out is likewise finished later. No record is counted before its
 * transaction has committed.
 */
public final class Emitter extends ServiceLoop {
    private static final Logger LOG = LoggerFactory.getLogger(Emitter.class);
    public static final String GROUP = "distill-teacher-emitter";
    /** The start of every emitter's transactional id; {@code teacher.emitter.id} follows it. */
    public static final String TRANSACTIONAL_ID_PREFIX = "distill-emitter-";

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
    private final Engine engine;
    /** Whether every message carries the teacher's last hidden layer ({@code student.hint.weight > 0}). */
    private final boolean hints;
    /** Decodes and scores the next poll while the current transaction commits; owns the teacher copy. */
    private final ExecutorService scorer;
    private Future<Scored> next;
    /** What to count once the open transaction has committed; set while a commit that timed out is retried. */
    private Runnable uncommitted;
    /** An abort (or the rewind after it) that has not finished: retried before anything else. */
    private boolean abortPending;
    private boolean rewindPending;
    /** Per partition, the offset after the last transaction this emitter saw commit: never read again below. */
    private final Map<TopicPartition, Long> committedHere = new HashMap<>();
    private TeacherModel inUse;
    private Predictor ownCopy;
    /** Whether a teacher's graph without a {@code hidden} output has been logged (once per emitter). */
    private boolean loggedNoHiddenOutput;

    public Emitter(TeacherSettings settings, Config config, ClientFactory clients, Supplier<TeacherModel> teacher,
                   EmissionGate gate, RoleMetrics metrics, Duration stuckAfter, Clock clock) {
        super("teacher-emitter", stuckAfter, clock);
        this.settings = settings;
        this.codec = new InputCodec(DataSettings.from(config), clock);
        this.hints = HintSettings.from(config).enabled();
        this.engine = Engine.of(InferenceSettings.from(config).engine());
        this.teacher = teacher;
        this.gate = gate;
        this.clients = new MeteredClients(clients, metrics, Roles.TEACHER);
        this.consumer = this.clients.consumer(KafkaClients.consumer(config, Map.of(
            "group.id", GROUP, "isolation.level", "read_committed",
            "max.poll.records", Integer.toString(settings.emitterMaxPollRecords()))));
        this.producer = this.clients.producer(KafkaClients.producer(config, Map.of(
            "transactional.id", TRANSACTIONAL_ID_PREFIX + settings.emitterId(),
            "transaction.timeout.ms", "60000")));
        this.deadLetters = DeadLetters.transactional(producer, Roles.TEACHER, metrics);
        this.labeledOut = metrics.counter(Metrics.LOGITS_EMITTED, Roles.TEACHER, "labeled");
        this.unlabeledOut = metrics.counter(Metrics.LOGITS_EMITTED, Roles.TEACHER, "unlabeled");
        this.skippedOut = metrics.counter(Metrics.LOGITS_SKIPPED, Roles.TEACHER);
        this.inLabeled = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.LABELED.name());
        this.inUnlabeled = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.UNLABELED.name());
        this.scorer = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "teacher-emitter-scorer");
            t.setDaemon(true);
            return t;
        });
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
            consumer.subscribe(List.of(Topics.LABELED.name(), Topics.UNLABELED.name()), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
                }

                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
                    partitions.forEach(Emitter.this::notBelowOwnCommit);
                }
            });
            transactional = true;
        }
        if (uncommitted != null) {
            commit();
            return;
        }
        if (rewindPending) {
            recover();
            return;
        }
        if (next == null) {
            ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(200));
            if (records.isEmpty()) {
                return;
            }
            next = scorer.submit(() -> score(records));
        }
        Scored scored = await(next);
        next = null;
        transact(scored);
    }

    private void awaitTeacher() throws InterruptedException {
        long now = System.nanoTime();
        if (waitingSince < 0 || now - waitingSince > Duration.ofSeconds(30).toNanos()) {
            LOG.info("emitter waiting for a first teacher snapshot");
            waitingSince = now;
        }
        pause(100);
    }

    /**
     * One poll, one transaction; an aborted one is read again from the last commit. While it commits, the
     * scorer already decodes and scores the records polled after it, so the wait for the broker and the
     * teacher's work overlap.
     */
    private void transact(Scored scored) throws InterruptedException {
        Emitted counts;
        try {
            producer.beginTransaction();
            for (Rejected r : scored.rejected()) {
                deadLetters.send(r.record().key(), r.record().value(), r.reason(), r.detail(), r.record().topic(),
                    r.record().partition(), r.record().offset());
            }
            counts = send(scored);
            producer.sendOffsetsToTransaction(scored.offsets(), consumer.groupMetadata());
            ConsumerRecords<byte[], byte[]> following = consumer.poll(Duration.ZERO);
            if (!following.isEmpty()) {
                next = scorer.submit(() -> score(following));
            }
        } catch (KafkaException e) {
            abort(e);
            return;
        }
        uncommitted = () -> {
            scored.offsets().forEach((tp, o) -> committedHere.merge(tp, o.offset(), Math::max));
            emitted += counts.labeled() + counts.unlabeled();
            labeledOut.increment(counts.labeled());
            unlabeledOut.increment(counts.unlabeled());
            skippedOut.increment(counts.skipped());
            inLabeled.increment(scored.fromLabeled());
            inUnlabeled.increment(scored.polled() - scored.fromLabeled());
            gate.onRecords(scored.polled());
            deadLetters.committed();
        };
        commit();
    }

    /**
     * Commits the open transaction. A commit that times out (broker away) may be retried, and an abort then
     * would throw: the timeout goes to the loop, which waits with its backoff and calls again until the
     * commit answers; any other error aborts.
     */
    private void commit() throws InterruptedException {
        try {
            producer.commitTransaction();
        } catch (TimeoutException e) {
            throw e;
        } catch (KafkaException e) {
            uncommitted = null;
            abort(e);
            return;
        }
        Runnable count = uncommitted;
        uncommitted = null;
        count.run();
    }

    /** Aborts the open transaction and rewinds to the last commit; fencing and lost rights are fatal. */
    private void abort(KafkaException cause) throws InterruptedException {
        if (cause instanceof ProducerFencedException) {
            throw new IllegalStateException("emitter fenced: another replica uses teacher.emitter.id="
                + settings.emitterId(), cause);
        }
        if (cause instanceof OutOfOrderSequenceException || cause instanceof AuthorizationException) {
            throw cause;
        }
        LOG.warn("emitter transaction aborted, re-reading from the last commit: {}", cause.toString());
        deadLetters.aborted();
        abortPending = true;
        rewindPending = true;
        recover();
    }

    /**
     * Finishes an abort: drops what was scored ahead, aborts, rewinds. When the broker is away the abort or
     * the offset lookup times out; the loop retries after its backoff and this goes on where it stopped.
     */
    private void recover() throws InterruptedException {
        discardNext();
        if (abortPending) {
            producer.abortTransaction();
            abortPending = false;
        }
        rewind();
        rewindPending = false;
    }

    /** Sends the logits of one poll's valid records that the gate lets through. */
    private Emitted send(Scored scored) {
        long labeled = 0;
        long unlabeled = 0;
        long skipped = 0;
        for (int i = 0; i < scored.records().size(); i++) {
            InputRecord r = scored.records().get(i);
            float[] logits = scored.logits()[i];
            if (!r.labeled() && !gate.shouldEmit(r.id(), LogitMath.argmax(logits))) {
                skipped++;
                continue;
            }
            LogitsMessage m = scored.hidden() == null
                ? new LogitsMessage(r.id(), r.ts(), r.label(), scored.teacherVersion(), r.features(), logits)
                : new LogitsMessage(r.id(), r.ts(), r.label(), scored.teacherVersion(), r.features(), logits,
                    scored.hidden()[i]);
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

    /** On the scorer thread: decodes one poll and computes the teacher's logits of its valid records. */
    private Scored score(ConsumerRecords<byte[], byte[]> polled) {
        List<InputRecord> valid = new ArrayList<>();
        List<Rejected> rejected = new ArrayList<>();
        long fromLabeled = 0;
        for (ConsumerRecord<byte[], byte[]> r : polled) {
            boolean labeledTopic = r.topic().equals(Topics.LABELED.name());
            fromLabeled += labeledTopic ? 1 : 0;
            Decoded d = codec.decode(r.value());
            if (!d.valid()) {
                rejected.add(new Rejected(r, d.reason(), d.detail()));
            } else if (labeledTopic && !d.record().labeled()) {
                rejected.add(new Rejected(r, RejectReason.MISSING_LABEL, "record on " + r.topic() + " has no label"));
            } else {
                valid.add(d.record());
            }
        }
        Predictor net = network();
        float[][] rows = valid.stream().map(InputRecord::features).toArray(float[][]::new);
        float[][] logits;
        float[][] hidden = null;
        if (hints) {
            Forward f = net.forward(rows);
            logits = f.logits();
            hidden = f.hidden();
        } else {
            logits = valid.isEmpty() ? new float[0][] : net.logits(rows);
        }
        return new Scored(valid, logits, hidden, rejected, inUse.version(), nextOffsets(polled), polled.count(),
            fromLabeled);
    }

    /**
     * On the scorer thread: its own predictor of the newest teacher on the configured engine; the replaced one is
     * closed. With hints, a teacher whose ONNX graph has no hidden output (written before graphs had one) is
     * run on DL4J, whose one forward pass gives both.
     */
    private Predictor network() {
        TeacherModel t = teacher.get();
        if (inUse == null || t.version() != inUse.version()) {
            Engine used = engine;
            Predictor replacement = t.open(engine);
            if (hints && !replacement.hasHidden()) {
                replacement.close();
                if (!t.network().hasHidden()) {
                    throw new IllegalStateException("student.hint.weight > 0 needs a teacher with a hidden layer, "
                        + "teacher v" + t.version() + " has none: " + t.network());
                }
                used = Engine.DL4J;
                replacement = t.open(used);
                logNoHiddenOutput(t);
            }
            if (ownCopy != null) {
                ownCopy.close();
            }
            inUse = t;
            ownCopy = replacement;
            LOG.info("emitter now computes logits{} with teacher v{} ({})", hints ? " and hints" : "", t.version(),
                used.tag());
        }
        return ownCopy;
    }

    private void logNoHiddenOutput(TeacherModel t) {
        if (!loggedNoHiddenOutput) {
            loggedNoHiddenOutput = true;
            LOG.warn("teacher v{}'s ONNX graph has no hidden output (written before graphs had one): the emitter "
                + "computes the logits and hints of such a teacher with DL4J (logged once)", t.version());
        }
    }

    private static Scored await(Future<Scored> scoring) throws InterruptedException {
        try {
            return scoring.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException r) {
                throw r;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        }
    }

    /** Drops the records scored ahead of an aborted transaction; they are read again after the rewind. */
    private void discardNext() throws InterruptedException {
        if (next != null) {
            await(next);
            next = null;
        }
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
            notBelowOwnCommit(tp);
        }
    }

    /**
     * Moves past what this emitter's own committed transactions consumed. Right after a broker restart the
     * group's committed offsets were seen to lag behind a transaction whose commit had succeeded (BrokerRestartIT:
     * one poll read again and its logits committed twice); offsets only advance, so the larger one is right.
     */
    private void notBelowOwnCommit(TopicPartition tp) {
        Long own = committedHere.get(tp);
        if (own != null && consumer.position(tp) < own) {
            LOG.warn("the group's committed offset of {} is {}, behind this emitter's last commit {}; going on from {}",
                tp, consumer.position(tp), own, own);
            consumer.seek(tp, own);
        }
    }

    @Override
    protected void tearDown() throws InterruptedException {
        scorer.shutdown();
        if (!scorer.awaitTermination(30, TimeUnit.SECONDS)) {
            LOG.warn("emitter scorer still busy after 30 s; closing its teacher anyway");
        }
        if (ownCopy != null) {
            ownCopy.close();
        }
        clients.close();
    }

    /** One input record refused, with the reason its dead letter carries. */
    private record Rejected(ConsumerRecord<byte[], byte[]> record, RejectReason reason, String detail) {
    }

    /**
     * One poll, decoded and scored: its valid records with their logits (computed by teacher
     * {@code teacherVersion}) and, with hints, the teacher's hidden layers (else null), its refused records, and
     * the offsets that follow it.
     */
    private record Scored(List<InputRecord> records, float[][] logits, float[][] hidden, List<Rejected> rejected,
                          long teacherVersion, Map<TopicPartition, OffsetAndMetadata> offsets, int polled, long fromLabeled) {
    }
}
