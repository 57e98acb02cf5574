package io.distillery.student;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.HintSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.config.StudentSettings;
import io.distillery.inference.Engine;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.IdleReplay;
import io.distillery.model.Network;
import io.distillery.model.ReplayBuffer;
import io.distillery.model.StepGuard;
import io.distillery.model.WeightAverage;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.modelstore.ResumePoint;
import io.distillery.modelstore.SnapshotSchedule;
import io.distillery.modelstore.SnapshotWriter;
import io.distillery.records.DeadLetters;
import io.distillery.records.EvalCodec;
import io.distillery.records.EvalMessage;
import io.distillery.records.EventTimeBound;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.records.MessageChecks;
import io.distillery.records.RejectReason;
import io.distillery.records.Rejected;
import io.distillery.service.ServiceLoop;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.MeteredClients;
import io.distillery.topics.Offsets;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
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
 * batch, and on replayed past records ({@link Replay}) whose soft targets the newest teacher recomputes.
 * A logits message that does not decode or fails its {@link MessageChecks} (shape, label range, finite
 * features and logits, event time) is dead-lettered and the loop goes on. Replay fills spare time: its budget per
 * batch shrinks linearly with the consumer lag so the student never falls behind the stream, and a caught-up student
 * goes on replaying between polls ({@link IdleReplay}, {@code student.replay.idle.ms}) until records wait again, its
 * cap of idle steps counted from its last new records or new teacher, whichever came later (the replayed targets of
 * a new teacher are something new to learn). With {@code student.ema.decay > 0} the student it evaluates and
 * publishes is an exponential moving average of the trained weights ({@link WeightAverage}), as for the teacher. It
 * publishes snapshots with its offsets when its {@link SnapshotSchedule} says so and resumes from the newest one
 * after a restart.
 *
 * <p>Threading: a {@link ServiceLoop}; its thread owns the student network and the clients.
 */
public final class StudentLoop extends ServiceLoop {
    private static final Logger LOG = LoggerFactory.getLogger(StudentLoop.class);
    public static final String GROUP = "distill-student";

    private final StudentSettings settings;
    private final int restoreAfter;
    private final Engine engine;
    private final ModelStore store;
    private final FollowedModel teacher;
    private final Evaluation evaluation;
    private final MeteredClients clients;
    private final Consumer<byte[], byte[]> consumer;
    private final Producer<byte[], byte[]> producer;
    private final SnapshotWriter writer;
    private final DeadLetters deadLetters;
    private final MessageChecks checks;
    private final Hints hints;
    private final Counter consumed;
    private final Counter streamSteps;
    private final Counter replaySteps;
    private final RoleMetrics.GaugeValue loss;
    private volatile long version;
    /** The highest version on the snapshot topic at start, verified or not: the next is above it. */
    private long lastVersion;
    private volatile long processed;
    private List<TopicPartition> parts;
    private Network student;
    private Replay replay;
    private SnapshotSchedule schedule;
    private StepGuard guard;
    private IdleReplay idle;
    /** The teacher version idle replay last started its cap for: a new teacher is something new to learn. */
    private long idleTeacher = Long.MIN_VALUE;
    private WeightAverage average;

    /** @param teacher the followed teacher snapshots, for refreshing the soft targets of replayed records */
    public StudentLoop(StudentSettings settings, Config config, ClientFactory clients, ModelStore store,
                       FollowedModel teacher, Duration stuckAfter) {
        super("student", stuckAfter, store.clock());
        this.settings = settings;
        this.hints = new Hints(HintSettings.from(config));
        this.restoreAfter = CommonSettings.from(config).restoreAfterNonFinite();
        this.engine = Engine.of(InferenceSettings.from(config).engine());
        this.store = store;
        this.teacher = teacher;
        RoleMetrics metrics = store.metrics();
        this.evaluation = new Evaluation(settings.distillation().temperature(), metrics);
        this.clients = new MeteredClients(clients, metrics, Roles.STUDENT);
        this.consumer = this.clients.consumer(KafkaClients.consumer(config, Map.of(
            "group.id", GROUP, "isolation.level", "read_committed",
            "max.poll.records", Integer.toString(settings.batchSize() * 4))));
        this.producer = this.clients.producer(KafkaClients.producer(config, Map.of()));
        this.writer = store.writer(Topics.STUDENT_SNAPSHOTS, Topics.STUDENT_CHECKPOINTS, Models.STUDENT);
        this.deadLetters = new DeadLetters(producer, Roles.STUDENT, metrics);
        this.checks = new MessageChecks(settings.network().inputs(), settings.network().outputs(),
            new EventTimeBound(DataSettings.from(config).maxFutureMs(), store.clock()));
        this.consumed = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.STUDENT, Topics.TEACHER_LOGITS.name());
        this.streamSteps = metrics.counter(Metrics.TRAINING_STEPS, Roles.STUDENT, Models.STUDENT, "stream");
        this.replaySteps = metrics.counter(Metrics.TRAINING_STEPS, Roles.STUDENT, Models.STUDENT, "replay");
        this.loss = metrics.gauge(Metrics.TRAINING_LOSS, Roles.STUDENT, Models.STUDENT);
    }

    /** Version of the newest student snapshot published (0 before the first). */
    public long version() {
        return version;
    }

    /** Logits messages learned from since start. */
    public long processed() {
        return processed;
    }

    /** Recent agreement with the teacher and prequential accuracies. */
    public Recent recent() {
        return new Recent(evaluation.agreement(), evaluation.studentAccuracy(), evaluation.teacherAccuracy());
    }

    @Override
    protected void setUp() throws InterruptedException {
        parts = KafkaClients.partitions(consumer, Topics.TEACHER_LOGITS.name());
        consumer.assign(parts);
        schedule = new SnapshotSchedule(settings.snapshotEverySteps(), settings.snapshotEveryMs(), store.clock());
        guard = StepGuard.counted(restoreAfter, store.metrics(), Roles.STUDENT, Models.STUDENT);
        idle = new IdleReplay(settings.idleReplayMs(), settings.idleReplayMaxSteps(), settings.batchSize(),
            System::nanoTime);
        if (replay != null) {
            replay.close();
        }
        replay = new Replay(new ReplayBuffer(settings.bufferSize(), true, settings.network().seed()),
            teacher::current, settings.batchSize(), engine, settings.mixupShare(), settings.shiftShare(),
            settings.imageWidth(), settings.network().seed());
        average = new WeightAverage(settings.emaDecay());
        ResumePoint resume = store.resume(Topics.STUDENT_SNAPSHOTS, Topics.STUDENT_CHECKPOINTS, Models.STUDENT,
            settings.network().inputs(), settings.network().outputs(), consumer, parts);
        lastVersion = resume.lastVersion();
        if (resume.restored().isEmpty()) {
            student = Network.student(settings.network(), settings.distillation());
            version = 0;
            consumer.seekToBeginning(parts);
            return;
        }
        ResumePoint.Restored r = resume.restored().get();
        student = r.network();
        average.resume(r.published().network());
        version = r.version();
        r.offsets().forEach(consumer::seek);
        LOG.info("student resumed from its {} v{} ({} steps)", r.fromCheckpoint() ? "checkpoint" : "snapshot",
            version, student.steps());
    }

    @Override
    protected void doWork() {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(idle.enabled() ? 20 : 200));
        if (!records.isEmpty()) {
            schedule.consumed();
            idle.restart();
        }
        List<LogitsMessage> pending = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            LogitsMessage m = decode(r);
            if (m != null) {
                pending.add(m);
            }
        }
        consumed.increment(pending.size());
        for (int from = 0; from < pending.size(); from += settings.batchSize()) {
            List<LogitsMessage> batch = pending.subList(from, Math.min(pending.size(), from + settings.batchSize()));
            learn(batch);
            streamSteps.increment();
            schedule.stepped(1);
            int budget = replay.isEmpty() ? 0 : settings.replayBudget(lag());
            for (int k = 0; k < budget && isRunning(); k++) {
                replayStep();
                schedule.stepped(1);
            }
        }
        processed += pending.size();
        if (idle.enabled() && !replay.isEmpty()) {
            FollowedModel.Current now = teacher.current();
            long teacherVersion = now == null ? 0 : now.version();
            if (teacherVersion != idleTeacher) {
                idleTeacher = teacherVersion;
                idle.restart();
            }
            idle.beginSlice();
            while (isRunning() && idle.another(lag())) {
                replayStep();
                idle.stepped();
                schedule.idleStepped();
            }
        }
        evaluation.publish();
        if (schedule.due()) {
            publish();
        }
    }

    private void replayStep() {
        if (guard.step(student, replay::step).applied()) {
            loss.set(guard.loss());
        }
        average.update(student);
        replaySteps.increment();
    }

    /**
     * Evaluate, emit the evaluations, then train on the batch; a batch whose step is undone as non-finite is
     * not remembered for replay.
     */
    private void learn(List<LogitsMessage> batch) {
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
        float[][] before = average.emitted(student).logits(x);
        for (int i = 0; i < n; i++) {
            EvalMessage e = evaluation.score(batch.get(i), before[i], version);
            producer.send(new ProducerRecord<>(Topics.STUDENT_EVALS.name(),
                e.recordId().getBytes(StandardCharsets.UTF_8), EvalCodec.encode(e)));
        }
        boolean applied = guard.step(student, s -> s.fitDistill(x, t, y)).applied();
        average.update(student);
        if (!applied) {
            return;
        }
        loss.set(guard.loss());
        hints.learn(student, guard, batch, x);
        for (int i = 0; i < n; i++) {
            replay.remember(x[i], y[i], t[i], batch.get(i).teacherVersion());
        }
    }

    /** The message, or {@code null} when it does not decode or fails a {@link MessageChecks} check (dead-lettered). */
    private LogitsMessage decode(ConsumerRecord<byte[], byte[]> r) {
        LogitsMessage m;
        try {
            m = LogitsCodec.decode(r.value());
        } catch (IllegalArgumentException e) {
            deadLetters.send(r, new Rejected(RejectReason.MALFORMED_MESSAGE, String.valueOf(e.getMessage())));
            return null;
        }
        Rejected problem = checks.logits(m);
        if (problem != null) {
            deadLetters.send(r, problem);
            return null;
        }
        return m;
    }

    /** Publishes what was learned since the last snapshot before the loop ends. */
    @Override
    protected void finish() {
        if (schedule != null && schedule.pending()) {
            publish();
        }
    }

    @Override
    protected void tearDown() {
        if (replay != null) {
            replay.close();
        }
        clients.close();
        writer.close();
    }

    private void publish() {
        Map<TopicPartition, Long> positions = new HashMap<>();
        parts.forEach(tp -> positions.put(tp, consumer.position(tp)));
        FollowedModel.Current t = teacher.current();
        long next = Math.max(version, lastVersion) + 1;
        boolean published = writer.publish(average.emitted(student), student, next, t == null ? -1 : t.version(),
            Offsets.toManifest(positions)).isPresent();
        schedule.published();
        if (!published) {
            return;
        }
        version = next;
        guard.markGood(student);
        // Committed only for visibility (consumer lag in dashboards); the student resumes from its snapshot.
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>();
        positions.forEach((tp, o) -> commit.put(tp, new OffsetAndMetadata(o)));
        consumer.commitAsync(commit, null);
        Recent r = recent();
        LOG.info("student snapshot v{}: agreement {}, prequential accuracy {} (teacher {}), {} records",
            version, fmt(r.agreement()), fmt(r.studentAccuracy()), fmt(r.teacherAccuracy()), processed);
    }

    private long lag() {
        return KafkaClients.lag(consumer, parts);
    }

    private static String fmt(double v) {
        return String.format("%.3f", v);
    }
}
