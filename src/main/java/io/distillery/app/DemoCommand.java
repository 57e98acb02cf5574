package io.distillery.app;

import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.EnsembleSettings;
import io.distillery.config.FeedbackSettings;
import io.distillery.config.HeartbeatSettings;
import io.distillery.config.HintSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.config.MonitorSettings;
import io.distillery.config.PromotionSettings;
import io.distillery.config.ServeSettings;
import io.distillery.config.SnapshotSettings;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherGateSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.ingest.Dataset;
import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.FashionMnist;
import io.distillery.ingest.Pacer;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.RecordSource;
import io.distillery.ingest.SyntheticStream;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.spec.Roles;
import io.distillery.student.Recent;
import io.distillery.student.StudentLoop;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicAdmin;
import io.distillery.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/**
 * The whole service in one process on a drifting synthetic stream or on Fashion-MNIST: an in-process broker
 * (unless {@code --bootstrap-servers} names a cluster), the topics, every role, a producer, status lines
 * and {@code /metrics}. The console shows status lines and the events that matter (snapshots published
 * and swapped in, drift, the teacher's responses) and errors; the full log goes to a file whose path is
 * printed first.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
    description = {"Run every role in one process on an in-process Kafka broker and a drifting stream.",
        "The broker, the topics, teacher (trainer and emitter), student, monitor and serving, fed by a drifting "
            + "synthetic stream (or Fashion-MNIST with --data fashion-mnist); prints status lines and the main events, "
            + "logs everything to a file, and serves /metrics. --bootstrap-servers uses an existing cluster instead of "
            + "the in-process broker."})
final class DemoCommand implements Callable<Integer> {
    enum Data { synthetic, fashion_mnist }

    /** Rows of the Fashion-MNIST test split the live test accuracy is measured on. */
    static final int TEST_ROWS = 2_000;

    @Mixin
    CommonOptions common;

    @Option(names = "--rate", defaultValue = "1000", description = "input records per second (default: ${DEFAULT-VALUE})")
    double rate;

    @Option(names = "--records", defaultValue = "0", description = "stop producing after this many records, 0 = never")
    long records;

    @Option(names = "--drift-every", defaultValue = "60000",
        description = "an abrupt concept drift every this many records, 0 = none (default: ${DEFAULT-VALUE})")
    long driftEvery;

    @Option(names = "--labeled-fraction", defaultValue = "0.1", description = "share of labeled records (default: ${DEFAULT-VALUE})")
    double labeledFraction;

    @Option(names = "--fault-rate", defaultValue = "0.002",
        description = "share of records broken on purpose to show the dead-letter path (default: ${DEFAULT-VALUE})")
    double faultRate;

    @Option(names = "--data-dir",
        description = "broker data directory, kept (default: a fresh temporary directory, deleted when the demo stops)")
    Path dataDir;

    @Option(names = "--data", defaultValue = "synthetic", converter = DataConverter.class,
        description = "synthetic (a drifting stream, 32 features) or fashion-mnist (the training split streamed "
            + "once, with the teacher's and student's accuracy on the test split; Debian package "
            + "dataset-fashion-mnist) (default: ${DEFAULT-VALUE})")
    Data data;

    @Option(names = "--fashion-mnist-dir", description = "IDX directory (default /usr/share/datasets/fashion-mnist)")
    Path fashionDir;

    @Option(names = "--seed", defaultValue = "42", description = "seed of the stream")
    long seed;

    /**
     * Reads the settings of every role the demo runs, so that a value out of range fails at once, before a broker
     * starts and topics are created, as it does for a role started alone.
     *
     * @throws io.distillery.config.ConfigException naming the first bad setting
     */
    static void checkSettings(Config c) {
        CommonSettings.from(c);
        DataSettings.from(c);
        SnapshotSettings.from(c);
        HeartbeatSettings.from(c);
        TeacherSettings.from(c);
        TeacherGateSettings.from(c);
        EnsembleSettings.from(c);
        FeedbackSettings.from(c);
        HintSettings.from(c);
        StudentSettings.from(c);
        MonitorSettings.from(c);
        ServeSettings.from(c);
        InferenceSettings.from(c);
        PromotionSettings.from(c);
    }

    @Override
    public Integer call() throws Exception {
        Dataset train = null;
        Dataset test = null;
        if (data == Data.fashion_mnist) {
            Path dir = fashionDir == null ? FashionMnist.DEFAULT_DIR : fashionDir;
            try {
                train = FashionMnist.load(dir, FashionMnist.Split.TRAIN);
                test = FashionMnist.load(dir, FashionMnist.Split.TEST);
            } catch (IOException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            test = new Dataset(Arrays.copyOf(test.x(), TEST_ROWS), Arrays.copyOf(test.y(), TEST_ROWS));
        }
        Map<String, String> demoDefaults = new HashMap<>();
        if (data == Data.synthetic) {
            // A stream small enough for two cores; every value can be overridden with --set or DISTILL_*.
            demoDefaults.put("data.features", "32");
            demoDefaults.put("data.classes", "5");
            demoDefaults.put("teacher.hidden", "128,64");
            demoDefaults.put("student.hidden", "32");
        } else {
            // 28 × 28 images: the student's replay shifts them (student.replay.shift)
            demoDefaults.put("data.image.width", Integer.toString(FashionMnist.WIDTH));
        }
        demoDefaults.put("monitor.window.ms", "5000");
        // not in the OS temp dir, which the OS may clear under Kafka Streams; removed when the demo stops
        Path streamsParent = MonitorSettings.DEFAULT_STATE_DIR.resolveSibling("demo-streams");
        Path streams = streamsParent.resolve(Long.toString(ProcessHandle.current().pid()));
        demoDefaults.put("monitor.state.dir", streams.toString());
        // a key pair of this run's own: the demo's roles sign and verify snapshots as deployed ones do
        String[] keys = SnapshotKeys.generatePem();
        demoDefaults.put("snapshot.signing.key", keys[0]);
        demoDefaults.put("snapshot.verify.keys", keys[1]);
        Config user = common.load();
        checkSettings(Config.of(demoDefaults).with(user.explicitValues()));
        Path log = DemoLog.start();
        System.out.println("full log: " + log);
        Files.createDirectories(streamsParent);
        EmbeddedKafka kafka = null;
        Path temporaryKafkaDir = null;
        if (user.kafkaProperties().get("bootstrap.servers") == null) {
            Path dir = dataDir;
            if (dir == null) {
                dir = Files.createTempDirectory("distill-demo-kafka");
                temporaryKafkaDir = dir;
            }
            kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir));
            demoDefaults.put("kafka.bootstrap.servers", kafka.bootstrapServers());
        }
        Config config = Config.of(demoDefaults).with(user.explicitValues());
        CommonSettings shared = CommonSettings.from(config);
        try (Admin admin = Admin.create(KafkaClients.admin(config))) {
            TopicsCommand.print(new TopicAdmin(admin, new TopicAdmin.Layout(shared.partitions(),
                shared.replicationFactor(), shared.retentionMs(), shared.snapshotMaxBytes())).create(Topics.ALL),
                new java.io.PrintWriter(System.out, true));
        }
        RoleMetrics metrics = new RoleMetrics(Roles.DEMO);
        RoleRunner runner = new RoleRunner();
        runner.add("demo state", () -> DemoLog.deleteTree(streams));
        if (temporaryKafkaDir != null) {
            Path dir = temporaryKafkaDir;
            runner.add("demo Kafka data", () -> DemoLog.deleteTree(dir)); // closed after the broker below
        }
        if (kafka != null) {
            EmbeddedKafka k = kafka;
            runner.add("in-process Kafka", k);
        }
        var server = runner.serveMetrics(metrics, shared);
        TeacherCommand.Parts teacher = TeacherCommand.start(config, metrics, runner, null);
        StudentLoop student = StudentCommand.start(config, metrics, runner);
        MonitorCommand.start(config, metrics, runner);
        var serve = ServeCommand.start(config, metrics, runner);
        AtomicReference<Publisher.Summary> produced = new AtomicReference<>();
        Dataset stream = train;
        Thread producer = startProducer(config, metrics, produced, stream);
        runner.add("producer", producer::interrupt);
        System.out.printf("demo running: Kafka at %s, metrics at http://localhost:%d/metrics; Ctrl-C stops it%n",
            config.kafkaProperties().get("bootstrap.servers"), server.port());
        System.out.println("try it once the student is ready (a few seconds):");
        System.out.println("  " + curlLine(serve.url().toString(), DataSettings.from(config).features()));
        TestAccuracy accuracy = test == null ? null : TestAccuracy.start(config, metrics, runner, test);
        Progress progress = new Progress(produced, teacher, student, accuracy);
        return runner.await(progress::print, 5_000);
    }

    private Thread startProducer(Config config, RoleMetrics metrics, AtomicReference<Publisher.Summary> produced,
                                 Dataset fashion) {
        DataSettings data = DataSettings.from(config);
        InputCodec codec = new InputCodec(data);
        String drift = driftEvery <= 0 ? "" : driftSchedule(driftEvery);
        Thread t = new Thread(() -> {
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
                Publisher publisher = new Publisher(p, codec, new DeadLetters(p, Roles.PRODUCE, metrics), metrics,
                    new Publisher.Options(records, labeledFraction, rate, seed, faultRate), System::nanoTime);
                RecordSource stream = fashion != null
                    ? FashionMnist.stream(fashion, FashionMnist.Split.TRAIN, seed, Clock.systemUTC())
                    : new SyntheticStream(SyntheticStream.Params.of(data.features(), data.classes(), seed),
                        DriftSchedule.parse(drift), Clock.systemUTC());
                publisher.run(stream, Pacer.system(rate), produced::set, 1_000_000_000L);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (RuntimeException e) {
                if (!Thread.currentThread().isInterrupted()) {
                    System.err.println("demo producer stopped: " + e);
                }
            }
        }, "demo-producer");
        t.setDaemon(true);
        t.start();
        return t;
    }

    /** A ready-to-paste request for one row (every feature 0.1). */
    static String curlLine(String baseUrl, int features) {
        String row = String.join(",", java.util.Collections.nCopies(features, "0.1"));
        return "curl -s -X POST " + baseUrl + "v2/models/student/infer -H 'Content-Type: application/json' -d '"
            + "{\"inputs\":[{\"name\":\"input\",\"shape\":[1," + features + "],\"datatype\":\"FP32\",\"data\":["
            + row + "]}]}'";
    }

    static String driftSchedule(long every) {
        StringBuilder s = new StringBuilder();
        for (int i = 1; i <= 1000; i++) {
            s.append(i > 1 ? "," : "").append("abrupt@").append(every * i);
        }
        return s.toString();
    }

    /** One line every few seconds: records in, quality, versions, throughput of each loop. */
    private static final class Progress {
        private final AtomicReference<Publisher.Summary> produced;
        private final TeacherCommand.Parts teacher;
        private final StudentLoop student;
        private final TestAccuracy test;
        private long lastIn;
        private long lastEmitted;
        private long lastLearned;
        private long lastNanos = System.nanoTime();

        Progress(AtomicReference<Publisher.Summary> produced, TeacherCommand.Parts teacher, StudentLoop student,
                 TestAccuracy test) {
            this.produced = produced;
            this.teacher = teacher;
            this.student = student;
            this.test = test;
        }

        void print() {
            Publisher.Summary s = produced.get();
            long in = s == null ? 0 : s.read();
            long emitted = teacher.emitter().emitted();
            long learned = student.processed();
            double secs = (System.nanoTime() - lastNanos) / 1e9;
            Recent r = student.recent();
            var t = teacher.trainer().latest();
            System.out.println(statusLine(in, (in - lastIn) / secs, s == null ? 0 : s.deadLetteredTotal(),
                t == null ? 0 : t.version(), r, (emitted - lastEmitted) / secs, student.version(),
                (learned - lastLearned) / secs) + (test == null ? "" : " | " + test.line()));
            lastIn = in;
            lastEmitted = emitted;
            lastLearned = learned;
            lastNanos = System.nanoTime();
        }
    }

    /** A status line; a ratio not measured yet (no labeled record, no logits) reads "-", never NaN. */
    static String statusLine(long in, double inRate, long deadLettered, long teacherVersion, Recent r,
                             double emittedRate, long studentVersion, double learnedRate) {
        return String.format("in %,d (%.0f/s, %d dead-lettered) | teacher v%d acc %s, emitted %.0f/s | "
                + "student v%d acc %s, agreement %s, learned %.0f/s", in, inRate, deadLettered, teacherVersion,
            ratio(r.teacherAccuracy()), emittedRate, studentVersion, ratio(r.studentAccuracy()), ratio(r.agreement()),
            learnedRate);
    }

    static String ratio(double v) {
        return Double.isFinite(v) ? String.format("%.3f", v) : "-";
    }

    /** Accepts {@code fashion-mnist} for the enum constant {@code fashion_mnist}. */
    static final class DataConverter implements CommandLine.ITypeConverter<Data> {
        @Override
        public Data convert(String value) {
            try {
                return Data.valueOf(value.replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new CommandLine.TypeConversionException("unknown data '" + value
                    + "': expected synthetic or fashion-mnist");
            }
        }
    }
}
