package io.distillery.teacher;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.EnsembleSettings;
import io.distillery.config.TeacherGateSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.metrics.SlidingMean;
import io.distillery.model.IdleReplay;
import io.distillery.model.Network;
import io.distillery.model.ReplayBuffer;
import io.distillery.model.StepGuard;
import io.distillery.model.WeightAverage;
import io.distillery.modelstore.ModelStore;
import io.distillery.modelstore.ResumePoint;
import io.distillery.modelstore.SnapshotSchedule;
import io.distillery.modelstore.SnapshotWriter;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.service.ServiceLoop;
import io.distillery.snapshot.Snapshot;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.MeteredClients;
import io.distillery.topics.Offsets;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The teacher's trainer: the single writer of the teacher network.
 *
 * <p>It reads {@code distill.records.labeled} at its own pace (no consumer group: its progress lives in
 * its snapshots), keeps a bounded replay buffer, and takes full mini-batch steps from the buffer,
 * {@code teacher.replay.ratio} training rows per new labeled row: steps on the few new labels of each
 * batch alone were measured to lower the teacher. Caught up with the topic, it keeps stepping on its buffer
 * in its spare time ({@link IdleReplay}: {@code teacher.replay.idle.ms}). What it publishes is an exponential
 * moving average of its weights when {@code teacher.ema.decay > 0} ({@link WeightAverage}). A step with a non-finite loss or weights is undone by its
 * {@link StepGuard} (and repeated ones bring back the last published weights). It publishes a signed snapshot carrying the offsets it
 * has consumed when its {@link SnapshotSchedule} says so and its {@link PublishGate} admits the candidate (one
 * labeled record in {@code teacher.gate.holdout} is held out of training to judge it), and hands a frozen copy
 * to in-process readers ({@link #latest()}). On start it resumes from its newest snapshot, or bootstraps from a snapshot file or
 * by epochs over the topic's history. Invalid records are skipped and counted here; the emitter, which
 * reads the same topic, dead-letters them.
 *
 * <p>Threading: a {@link ServiceLoop}; its thread owns the network and the consumer; {@link #latest()} is
 * safe from any thread.
 */
public final class Trainer extends ServiceLoop {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);

    private final TeacherSettings settings;
    private final EnsembleSettings ensemble;
    private final InputCodec codec;
    private final ModelStore store;
    private final RoleMetrics metrics;
    private final TrainerAdaptation adaptation;
    private final CandidateTransform transform;
    private final PublishGate gate;
    private final int restoreAfter;
    private final MeteredClients clients;
    private final Consumer<byte[], byte[]> consumer;
    private final SnapshotWriter writer;
    private final AtomicReference<TeacherModel> latest = new AtomicReference<>();
    private final SlidingMean prequential = new SlidingMean(1000);
    private final Counter skipped;
    private final Counter consumed;
    private final Counter steps;
    private final RoleMetrics.GaugeValue loss;
    private final RoleMetrics.GaugeValue accuracy;
    private volatile long learned;
    private volatile long heldOut;
    private List<TopicPartition> parts;
    private Network network;
    private long version;
    private ReplayBuffer buffer;
    private SnapshotSchedule schedule;
    private StepGuard guard;
    private double credit;
    private IdleReplay idle;
    private WeightAverage average;
    private long attempts;

    public Trainer(TeacherSettings settings, Config config, ClientFactory clients, ModelStore store,
                   TrainerAdaptation adaptation, Duration stuckAfter) {
        this(settings, config, clients, store, adaptation, stuckAfter, CandidateTransform.NONE);
    }

    /** A trainer whose candidates pass through {@code transform} before the publish gate (tests only). */
    public Trainer(TeacherSettings settings, Config config, ClientFactory clients, ModelStore store,
                   TrainerAdaptation adaptation, Duration stuckAfter, CandidateTransform transform) {
        super("teacher-trainer", stuckAfter, store.clock());
        this.settings = settings;
        this.transform = transform;
        this.ensemble = EnsembleSettings.from(config);
        this.codec = new InputCodec(DataSettings.from(config));
        this.store = store;
        this.metrics = store.metrics();
        this.adaptation = adaptation;
        this.restoreAfter = CommonSettings.from(config).restoreAfterNonFinite();
        this.clients = new MeteredClients(clients, metrics, Roles.TEACHER);
        this.consumer = this.clients.consumer(KafkaClients.consumer(config,
            Map.of("isolation.level", "read_committed", "max.poll.records", "1024")));
        this.writer = store.writer(Topics.TEACHER_SNAPSHOTS, Topics.TEACHER_CHECKPOINTS, Models.TEACHER);
        this.skipped = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, "skipped-invalid");
        this.consumed = metrics.counter(Metrics.RECORDS_CONSUMED, Roles.TEACHER, Topics.LABELED.name());
        this.steps = metrics.counter(Metrics.TRAINING_STEPS, Roles.TEACHER, Models.TEACHER, "replay");
        this.loss = metrics.gauge(Metrics.TRAINING_LOSS, Roles.TEACHER, Models.TEACHER);
        this.accuracy = metrics.gauge(Metrics.PREQUENTIAL_ACCURACY, Roles.TEACHER, Models.TEACHER);
        this.gate = new PublishGate(TeacherGateSettings.from(config), metrics);
    }

    /** The newest published teacher, or {@code null} before the first one. */
    public TeacherModel latest() {
        return latest.get();
    }

    /** Labeled records learned from the stream since start (not counting bootstrap, replay or held-out ones). */
    public long learned() {
        return learned;
    }

    /** Labeled records of the stream held out of training for the publish gate since start. */
    public long heldOut() {
        return heldOut;
    }

    @Override
    protected void setUp() throws InterruptedException {
        parts = KafkaClients.partitions(consumer, Topics.LABELED.name());
        consumer.assign(parts);
        buffer = new ReplayBuffer(settings.bufferSize(), false, settings.network().seed());
        schedule = new SnapshotSchedule(settings.snapshotEverySteps(), settings.snapshotEveryMs(), store.clock());
        guard = StepGuard.counted(restoreAfter, metrics, Roles.TEACHER, Models.TEACHER);
        idle = new IdleReplay(settings.idleReplayMs(), settings.idleReplayMaxSteps(), settings.batchSize(),
            System::nanoTime);
        average = new WeightAverage(settings.emaDecay());
        ResumePoint resume = store.resume(Topics.TEACHER_SNAPSHOTS, Topics.TEACHER_CHECKPOINTS, Models.TEACHER,
            settings.network().inputs(), settings.network().outputs(), consumer, parts);
        // the next snapshot is numbered above every version on the topic, verified or not
        version = resume.lastVersion();
        Map<TopicPartition, Long> start;
        if (resume.restored().isPresent()) {
            ResumePoint.Restored r = resume.restored().get();
            network = r.network();
            latest.set(new TeacherModel(r.version(), r.published().network().copy(), r.published().onnx()));
            gate.published(r.version(), r.published().network().copy());
            average.resume(r.published().network());
            LOG.info("teacher resumed from its {} v{} ({} steps)", r.fromCheckpoint() ? "checkpoint" : "snapshot",
                r.version(), network.steps());
            start = r.offsets();
            refill(start);
        } else {
            start = bootstrap();
        }
        start.forEach(consumer::seek);
    }

    @Override
    protected void doWork() throws InterruptedException {
        ConsumerRecords<byte[], byte[]> records = consumer.poll(Duration.ofMillis(idle.enabled() ? 20 : 200));
        if (!records.isEmpty()) {
            schedule.consumed();
        }
        List<float[]> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : records) {
            Decoded d = codec.decode(r.value());
            if (!d.valid() || !d.record().labeled()) {
                skipped.increment();
                continue;
            }
            consumed.increment();
            if (gate.holdsOut(d.record().id())) {
                gate.hold(d.record().features(), d.record().label());
                heldOut++;
            } else {
                xs.add(d.record().features());
                ys.add(d.record().label());
            }
        }
        if (!xs.isEmpty()) {
            learn(xs.toArray(new float[0][]), ys.stream().mapToInt(Integer::intValue).toArray());
            idle.restart();
        }
        idleReplay();
        if (schedule.due()) {
            publish(positions());
        }
    }

    /** Scores the new rows (prequential), adds them to the buffer and takes the replay steps they earn. */
    private void learn(float[][] x, int[] y) throws InterruptedException {
        int[] predicted = network.predict(x);
        for (int i = 0; i < y.length; i++) {
            prequential.add(predicted[i] == y[i] ? 1 : 0);
            buffer.add(x[i], y[i], null);
        }
        accuracy.set(prequential.mean());
        learned += y.length;
        adaptation.onLabeledRecords(y.length, network, buffer);
        double stale = adaptation.takeWindowFlush();
        if (stale > 0) {
            gate.flushOldest(stale);
        }
        credit += y.length * settings.replayRatio();
        while (credit >= settings.batchSize() && isRunning()) {
            step();
            schedule.stepped(1);
            credit -= settings.batchSize();
        }
    }

    /** Caught up with the topic: buffer steps in the spare time, until the slice ends or records wait. */
    private void idleReplay() throws InterruptedException {
        if (!idle.enabled() || buffer.size() == 0) {
            return;
        }
        idle.beginSlice();
        while (isRunning() && idle.another(lag())) {
            step();
            idle.stepped();
            schedule.idleStepped();
        }
    }

    /** One step on a batch from the buffer, folded into the weight average, within the CPU share. */
    private void step() throws InterruptedException {
        ReplayBuffer.Batch b = buffer.sample(settings.batchSize());
        long stepStart = System.nanoTime();
        if (guard.step(network, n -> n.fitHard(b.x(), b.labels())).applied()) {
            loss.set(guard.loss());
            average.update(network);
        }
        yieldCpu(System.nanoTime() - stepStart);
        steps.increment();
    }

    private long lag() {
        return KafkaClients.lag(consumer, parts);
    }

    /** Publishes what was learned since the last snapshot before the loop ends. */
    @Override
    protected void finish() {
        if (schedule != null && schedule.pending()) {
            publish(positions());
        }
    }

    @Override
    protected void tearDown() {
        clients.close();
        writer.close();
    }

    /**
     * Keeps the trainer within {@code teacher.trainer.cpu.share} of a core: after a step of {@code nanos}
     * it rests so long that the step is that share of the elapsed time. Training is what may wait; the
     * emitter beside it in the process must not (its rate must not fall when the replay ratio rises).
     */
    private void yieldCpu(long nanos) throws InterruptedException {
        double share = settings.trainerCpuShare();
        if (share < 1) {
            pause(Math.max(1, (long) (nanos * (1 - share) / share) / 1_000_000));
        }
    }

    /**
     * Publishes the next version (the weight average when there is one) unless the publish gate refuses the
     * candidate; one refused, or whose ONNX graph fails the writer's check, is not published and training goes on
     * until the next attempt.
     */
    private void publish(Map<TopicPartition, Long> offsets) {
        Network candidate = transform.apply(average.emitted(network), ++attempts);
        schedule.published();
        if (!gate.admits(candidate)) {
            return;
        }
        Optional<Snapshot> published = writer.publish(candidate, network, version + 1, -1,
            Offsets.toManifest(offsets));
        if (published.isEmpty()) {
            return;
        }
        version++;
        guard.markGood(network);
        latest.set(new TeacherModel(version, candidate.copy(), published.get().onnxBytes()));
        gate.published(version, candidate.copy());
        LOG.info("teacher snapshot v{} published after {} steps (prequential accuracy {})", version,
            network.steps(), String.format("%.3f", prequential.mean()));
    }

    /** No snapshot yet: start from a file, or from epochs over the history, or cold. Returns where to go on. */
    private Map<TopicPartition, Long> bootstrap() {
        TeacherBootstrap bootstrap = new TeacherBootstrap(settings, codec, metrics, gate);
        if (settings.bootstrapFile() != null) {
            network = bootstrap.fromFile(settings.bootstrapFile(), store.codec());
            LOG.info("teacher bootstrapped from {}", settings.bootstrapFile());
        } else {
            network = Network.ensemble(ensemble.specs(settings.network()));
        }
        Map<TopicPartition, Long> from = consumer.beginningOffsets(parts);
        if (settings.bootstrapEpochs() > 0) {
            Map<TopicPartition, Long> end = consumer.endOffsets(parts);
            bootstrap.trainOnHistory(consumer, from, end, network, buffer);
            publish(end);
            return end;
        }
        return from;
    }

    /** After a restart: refill the replay buffer with the records just before the resume point. */
    private void refill(Map<TopicPartition, Long> resumeAt) {
        Map<TopicPartition, Long> beginning = consumer.beginningOffsets(parts);
        Map<TopicPartition, Long> from = new HashMap<>();
        long perPartition = settings.bufferSize() / Math.max(1, parts.size());
        resumeAt.forEach((tp, o) -> from.put(tp, Math.max(beginning.get(tp), o - perPartition)));
        new TeacherBootstrap(settings, codec, metrics, gate).fillBuffer(consumer, from, resumeAt, buffer);
        LOG.info("teacher replay buffer refilled with {} records before the resume point, the publish gate's window "
            + "with {} held-out ones", buffer.size(), gate.windowRows());
    }

    private Map<TopicPartition, Long> positions() {
        Map<TopicPartition, Long> out = new HashMap<>();
        parts.forEach(tp -> out.put(tp, consumer.position(tp)));
        return out;
    }
}
