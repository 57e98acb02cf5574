package io.distillery.bench;

import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.FeedbackSettings;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.feedback.MonitorService;
import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.Pacer;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.SyntheticStream;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.modelstore.FollowedModel;
import io.distillery.records.DeadLetters;
import io.distillery.records.EvalCodec;
import io.distillery.records.FeedbackCodec;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.InputCodec;
import io.distillery.records.LogitsCodec;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.AdaptiveTraining;
import io.distillery.teacher.DriftResponse;
import io.distillery.teacher.EmissionPolicy;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.FeedbackFollower;
import io.distillery.teacher.TeacherModel;
import io.distillery.teacher.Trainer;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import io.distillery.testing.TempDirs;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;

/**
 * One benchmark run: a fresh in-process broker, every role in this process wired as the {@code teacher},
 * {@code student} and {@code monitor} commands wire them, a paced producer of the seeded drifting
 * stream, a drain, then the topics read back and the final student scored on held-out records.
 */
final class PipelineRun {
    private static final String ROLE = "teacher";

    private final BenchOptions o;
    private final boolean feedback;

    PipelineRun(BenchOptions o, boolean feedback) {
        this.o = o;
        this.feedback = feedback;
    }

    /** The benchmark's configuration: the integration tests' small pipeline at the demo's sizes. */
    static Config config(BenchOptions o, String bootstrap, boolean feedback, Path stateDir) {
        Map<String, String> m = new HashMap<>();
        m.put("data.features", "32");
        m.put("data.classes", "5");
        m.put("teacher.hidden", "128,64");
        m.put("student.hidden", "32");
        m.put("monitor.window.ms", Long.toString(o.windowMs()));
        m.put("monitor.grace.ms", Long.toString(o.windowMs() / 2));
        m.put("monitor.state.dir", stateDir.toString());
        m.putAll(o.overrides());
        m.put("feedback.enabled", Boolean.toString(feedback));
        return Pipelines.smallConfig(bootstrap, m);
    }

    RunData run() throws Exception {
        long started = System.nanoTime();
        Path dir = Files.createTempDirectory("fbbench-");
        RunData data = new RunData(feedback, Math.toIntExact(o.records()));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir.resolve("kafka")))) {
            Config config = config(o, kafka.bootstrapServers(), feedback, Files.createDirectories(dir.resolve("streams")));
            Pipelines.createTopics(config);
            runRoles(config, data);
            TopicReader.readAll(config, Topics.TEACHER_LOGITS.name(), v -> data.addLogits(LogitsCodec.decode(v)));
            TopicReader.readAll(config, Topics.STUDENT_EVALS.name(), v -> data.addEval(EvalCodec.decode(v)));
            TopicReader.readAll(config, Topics.FEEDBACK.name(), v -> data.signals.addAll(FeedbackCodec.decode(v).drifts()));
        } finally {
            TempDirs.delete(dir);
        }
        data.runSeconds = (System.nanoTime() - started) / 1e9;
        return data;
    }

    private void runRoles(Config config, RunData data) throws Exception {
        SnapshotCodec codec = SnapshotFixtures.CODEC;
        DataSettings shape = DataSettings.from(config);
        FeedbackSettings fb = FeedbackSettings.from(config);
        TeacherSettings teacherSettings = TeacherSettings.from(config);
        AtomicLong produced = new AtomicLong();
        AtomicLong driftSentNanos = new AtomicLong();
        try (RoleMetrics metrics = new RoleMetrics()) {
            EmissionPolicy policy = new EmissionPolicy(fb, metrics);
            DriftResponse drift = new DriftResponse(fb, metrics);
            java.util.function.Consumer<FeedbackMessage> probe = m -> {
                if (!fb.relevant(m.drifts()).isEmpty()) {
                    synchronized (data) {
                        data.heardAtProduced.add(produced.get());
                        long sent = driftSentNanos.get();
                        data.heardAfterMs.add(sent == 0 ? Long.MIN_VALUE : (System.nanoTime() - sent) / 1_000_000);
                    }
                }
            };
            Trainer trainer;
            StudentLoop student;
            try (FeedbackFollower follower = Loops.feedback(config, metrics,
                     List.of(policy::onFeedback, drift::onFeedback, probe));
                 MonitorService monitor = new MonitorService(config, metrics);
                 Trainer t = Loops.trainer(config, metrics,
                     new AdaptiveTraining(drift, teacherSettings.network().learningRate()));
                 Emitter emitter = Loops.emitter(config, metrics, t::latest, policy);
                 FollowedModel teacherSnapshots = Loops.teacherSnapshots(config, metrics);
                 StudentLoop s = Loops.student(config, metrics, teacherSnapshots)) {
                trainer = t;
                student = s;
                follower.start();
                monitor.start();
                AtomicReference<Throwable> producerFailure = new AtomicReference<>();
                Thread producer = new Thread(() -> produce(config, produced, driftSentNanos, data, producerFailure),
                    "bench-producer");
                producer.start();
                Counters c = new Counters(metrics);
                while (producer.isAlive()) {
                    producer.join(500);
                    if (produced.get() >= o.settle()) { // the cold start (no teacher yet) is not the steady state
                        data.maxEmitterLag = Math.max(data.maxEmitterLag, produced.get() - c.teacherConsumed());
                        data.maxStudentLag = Math.max(data.maxStudentLag, c.logits() - student.processed());
                    }
                    check(monitor, emitter, trainer, student, producerFailure.get());
                }
                drain(o.records(), c, student, monitor, emitter, trainer);
                data.metricUnlabeledEmitted = c.unlabeled.count();
                data.metricSkipped = c.skipped.count();
                data.metricDriftResponses = c.responses.count();
                TeacherModel finalTeacher = trainer.latest();
                student.close(); // publishes the student's final snapshot
                data.studentVersion = student.version();
                scoreHoldout(config, codec, shape, finalTeacher.network(), data, metrics);
            }
        }
    }

    private void produce(Config config, AtomicLong produced, AtomicLong driftSentNanos, RunData data,
                         AtomicReference<Throwable> failure) {
        DataSettings shape = DataSettings.from(config);
        try (RoleMetrics metrics = new RoleMetrics();
             KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
            Publisher p = new Publisher(producer, new InputCodec(shape), new DeadLetters(producer, "produce", metrics),
                metrics, new Publisher.Options(o.records(), o.labeledFraction(), o.rate(), o.seed(), 0),
                System::nanoTime);
            Publisher.Summary s = p.run(stream(shape, Clock.systemUTC()), Pacer.system(o.rate()), summary -> {
                produced.set(summary.read());
                if (summary.read() == o.driftAt() + 1) {
                    driftSentNanos.set(System.nanoTime());
                }
            }, 0);
            data.producerSeconds = s.seconds();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            failure.set(e);
        }
    }

    /** The benchmark's stream: the seeded synthetic stream with one abrupt drift at {@code drift-at}. */
    SyntheticStream stream(DataSettings shape, Clock clock) {
        return new SyntheticStream(SyntheticStream.Params.of(shape.features(), shape.classes(), o.seed()),
            DriftSchedule.parse("abrupt@" + o.driftAt()), clock);
    }

    /** Waits until the teacher has read every record and the student has learned every logits message. */
    private static void drain(long records, Counters c, StudentLoop student, MonitorService monitor,
                              Emitter emitter, Trainer trainer) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
        while (c.teacherConsumed() < records || student.processed() < c.logits()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("pipeline did not drain in 3 minutes: teacher read "
                    + c.teacherConsumed() + " of " + records + ", student " + student.processed() + " of "
                    + c.logits());
            }
            check(monitor, emitter, trainer, student, null);
            Thread.sleep(200);
        }
        Thread.sleep(3000); // the monitor's last commit interval, so its drift reports are committed
    }

    private void scoreHoldout(Config config, SnapshotCodec codec, DataSettings shape, Network teacher, RunData data,
                              RoleMetrics metrics) throws InterruptedException {
        float[][] x = new float[o.holdout()][];
        int[] y = new int[o.holdout()];
        SyntheticStream s = stream(shape, Clock.systemUTC());
        for (long i = 0; i < o.records(); i++) {
            s.next(); // the records the run saw; what follows is fresh, from the post-drift concept
        }
        for (int i = 0; i < x.length; i++) {
            var r = s.next().record();
            x[i] = r.features();
            y[i] = r.label();
        }
        try (FollowedModel finalStudent = new FollowedModel(config, Topics.STUDENT_SNAPSHOTS, "student", codec,
            shape.features(), shape.classes(), metrics, "bench").start()) {
            finalStudent.awaitCaughtUp(Duration.ofMinutes(1));
            FollowedModel.Current cur = finalStudent.current();
            if (cur.version() != data.studentVersion) {
                throw new IllegalStateException("read student v" + cur.version() + ", expected final v"
                    + data.studentVersion);
            }
            int[] sp = cur.network().predict(x);
            int[] tp = teacher.predict(x);
            int sc = 0;
            int tc = 0;
            int ag = 0;
            for (int i = 0; i < y.length; i++) {
                sc += sp[i] == y[i] ? 1 : 0;
                tc += tp[i] == y[i] ? 1 : 0;
                ag += sp[i] == tp[i] ? 1 : 0;
            }
            data.holdoutStudentAccuracy = (double) sc / y.length;
            data.holdoutTeacherAccuracy = (double) tc / y.length;
            data.holdoutAgreement = (double) ag / y.length;
        }
    }

    private static void check(MonitorService monitor, Emitter emitter, Trainer trainer, StudentLoop student,
                              Throwable producer) {
        Throwable f = producer != null ? producer : emitter.failure() != null ? emitter.failure()
            : trainer.failure() != null ? trainer.failure() : student.failure();
        if (f != null) {
            throw new IllegalStateException("a role failed during the run", f);
        }
        if (!monitor.isRunning()) {
            throw new IllegalStateException("the monitor stopped during the run");
        }
    }

    /** The registry's counters the benchmark watches. */
    private static final class Counters {
        final io.micrometer.core.instrument.Counter labeledIn;
        final io.micrometer.core.instrument.Counter unlabeledIn;
        final io.micrometer.core.instrument.Counter labeled;
        final io.micrometer.core.instrument.Counter unlabeled;
        final io.micrometer.core.instrument.Counter skipped;
        final io.micrometer.core.instrument.Counter responses;

        Counters(RoleMetrics m) {
            labeledIn = m.counter(Metrics.RECORDS_CONSUMED, ROLE, Topics.LABELED.name());
            unlabeledIn = m.counter(Metrics.RECORDS_CONSUMED, ROLE, Topics.UNLABELED.name());
            labeled = m.counter(Metrics.LOGITS_EMITTED, ROLE, "labeled");
            unlabeled = m.counter(Metrics.LOGITS_EMITTED, ROLE, "unlabeled");
            skipped = m.counter(Metrics.LOGITS_SKIPPED, ROLE);
            responses = m.counter(Metrics.DRIFT_RESPONSES, ROLE, "emitter");
        }

        long teacherConsumed() {
            return (long) (labeledIn.count() + unlabeledIn.count());
        }

        long logits() {
            return (long) (labeled.count() + unlabeled.count());
        }
    }

}
