package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.Pacer;
import io.distillery.ingest.SyntheticStream;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.records.InputRecord;
import io.distillery.records.LogitsCodec;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.testing.ChildRoles;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Pipelines;
import io.distillery.testing.RoleProcess;
import io.distillery.testing.SnapshotTopics;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Offsets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 3's crash requirement on the real broker: the broker lives in this JVM, the roles run as child
 * JVMs from the shaded jar (trainer, two emitter replicas in one group, student), and each is killed
 * {@value #KILLS_PER_ROLE} times with SIGKILL at seeded random moments while a synthetic stream is being
 * published, then started again. Once the stream is processed: one committed logits message per valid
 * input record and one dead letter per invalid one (none lost, none doubled); the trainer's newest
 * snapshot has consumed every labeled record, also after a quiet stream ends with an invalid one; the
 * student has consumed every committed logit and published after its last restart; no process died on
 * its own. Child logs: {@code target/crash-it/<role>.<incarnation>.log}. Seed: {@code -Dcrash.seed=...}.
 */
class CrashIT {
    private static final long SEED = Long.getLong("crash.seed", 20_251_122L);
    private static final int MAX_RECORDS = 60_000;
    private static final int TAIL = 2_000;
    private static final double LABELED_FRACTION = 0.3;
    private static final double RATE = 300;
    private static final int BAD_EVERY = 2_000;
    private static final int KILLS_PER_ROLE = 3;
    private static final Path LOGS = Path.of("target", "crash-it");

    private final ChildRoles children = new ChildRoles(LOGS);
    private final ExecutorService chaos = Executors.newCachedThreadPool();
    private KafkaFixture.Cluster kafka;

    @AfterEach
    void stopEverything() throws InterruptedException {
        chaos.shutdownNow();
        chaos.awaitTermination(30, TimeUnit.SECONDS);
        children.close();
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void shouldEmitEachLogitOnceAndResumeEveryRoleAfterRepeatedSigkills() throws Exception {
        long t0 = System.nanoTime();
        children.clearLogs();
        kafka = KafkaFixture.dedicated();
        String bootstrap = kafka.bootstrapServers();
        Map<String, String> settings = new HashMap<>(Pipelines.smallConfig(bootstrap, Map.of(
            // a killed emitter leaves the group after 6 s (the broker's minimum), not the default 45 s
            "kafka.session.timeout.ms", "6000", "kafka.heartbeat.interval.ms", "1000",
            "teacher.snapshot.every.ms", "500", "student.snapshot.every.ms", "500")).explicitValues());
        Config config = Pipelines.smallConfig(bootstrap, settings);
        Pipelines.createTopics(config);
        SnapshotCodec codec = SnapshotFixtures.CODEC;

        RoleProcess trainer = children.add("trainer", List.of("teacher", "--only", "trainer"), settings);
        RoleProcess emitter0 = children.add("emitter-0", List.of("teacher", "--only", "emitter"),
            with(settings, "teacher.emitter.id", "emitter-0"));
        RoleProcess emitter1 = children.add("emitter-1", List.of("teacher", "--only", "emitter"),
            with(settings, "teacher.emitter.id", "emitter-1"));
        RoleProcess student = children.add("student", List.of("student"), settings);
        children.startAll();
        List<RoleProcess> roles = children.all();

        long tStream = System.nanoTime();
        AtomicBoolean chaosOver = new AtomicBoolean();
        Future<Stream> produced = chaos.submit(() -> produce(config, chaosOver));
        AtomicLong studentVersionAtRestart = new AtomicLong();
        Map<RoleProcess, String> progress = Map.of(trainer, "Trainer - teacher snapshot v",
            emitter0, "Emitter - emitter now computes logits", emitter1, "Emitter - emitter now computes logits",
            student, "StudentLoop - student snapshot v");
        List<Future<?>> schedules = new ArrayList<>();
        for (int i = 0; i < roles.size(); i++) {
            RoleProcess r = roles.get(i);
            Random rng = new Random(SEED * 31 + i);
            Runnable whileDown = r == student
                ? () -> studentVersionAtRestart.set(newestVersion(bootstrap, "distill.student.snapshots", "student", codec))
                : () -> { };
            schedules.add(chaos.submit(() -> {
                killRepeatedly(r, progress.get(r), rng, whileDown, tStream);
                return null;
            }));
        }
        for (Future<?> s : schedules) {
            s.get(4, TimeUnit.MINUTES);
        }
        chaosOver.set(true);
        double chaosSeconds = seconds(tStream);
        Stream streamed = produced.get(1, TimeUnit.MINUTES);
        double streamSeconds = seconds(tStream);

        assertTrainerConsumedAll(bootstrap, codec, "trainer's consumed labeled offsets after the stream");
        // the quiet stream then ends with an invalid labeled-topic record: the trainer learns nothing from it
        // but must still record, in a snapshot, that it consumed it
        Stream stream = streamed.plusBad(publishInvalidLabeled(config));

        List<ConsumerRecord<byte[], byte[]>> logits = CommittedRecords.readAll(bootstrap,
            List.of("distill.teacher.logits"), stream.validIds().size(), Duration.ofSeconds(3), Duration.ofSeconds(120));
        double logitsSeconds = seconds(tStream);
        Map<String, Long> perId = logits.stream().map(r -> LogitsCodec.decode(r.value()).id())
            .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(perId.keySet()).as("ids with a committed logit").isEqualTo(stream.validIds());
        assertThat(perId.entrySet().stream().filter(e -> e.getValue() > 1).map(Map.Entry::getKey).toList())
            .as("ids with more than one committed logit").isEmpty();
        assertThat(logits).hasSize(stream.validIds().size());

        List<ConsumerRecord<byte[], byte[]>> dead = CommittedRecords.readAll(bootstrap, List.of("distill.deadletter"),
            stream.badKeys().size(), Duration.ofSeconds(2), Duration.ofSeconds(30));
        List<String> deadKeys = dead.stream()
            .filter(r -> "teacher".equals(header(r, DeadLetters.ROLE)))
            .map(r -> new String(r.key(), StandardCharsets.UTF_8)).sorted().toList();
        assertThat(deadKeys).as("the teacher's dead letters, each once").isEqualTo(stream.badKeys());

        SnapshotManifest teacherSnap = assertTrainerConsumedAll(bootstrap, codec,
            "trainer's consumed labeled offsets after a last invalid record");

        Map<TopicPartition, Long> lastLogit = new HashMap<>();
        logits.forEach(r -> lastLogit.merge(new TopicPartition(r.topic(), r.partition()), r.offset() + 1, Math::max));
        long restartedAt = studentVersionAtRestart.get();
        SnapshotManifest studentSnap = SnapshotTopics.await(bootstrap, "distill.student.snapshots", "student", codec,
            m -> m.version() > restartedAt && consumedAll(m, lastLogit), Duration.ofSeconds(60));
        assertThat(studentSnap.version()).as("student version after its last restart").isGreaterThan(restartedAt);
        assertThat(consumedAll(studentSnap, lastLogit)).as("student offsets %s reach the committed logits %s",
            studentSnap.inputOffsets(), lastLogit).isTrue();
        double doneSeconds = seconds(tStream);

        for (String role : List.of("trainer", "student")) {
            List<String> resumes = resumeLines(role);
            assertThat(resumes).as(role + " restarts after a snapshot resume from its checkpoint, with the optimizer "
                + "state, never from a snapshot without it").isNotEmpty()
                .allMatch(line -> line.contains(" resumed from its checkpoint v"));
        }
        for (RoleProcess r : roles) {
            assertThat(r.unexpectedExits()).as(r.name() + " exits we did not cause").isEmpty();
            assertThat(r.isAlive()).as(r.name() + " alive at the end").isTrue();
            assertThat(r.kills()).as(r.name() + " kills").isEqualTo(KILLS_PER_ROLE);
        }
        System.out.printf("CrashIT seed %d: %d records (%d valid, %d labeled, %d bad), %d kills; after the stream "
                + "began: kills over %.1f s, stream over %.1f s, logits complete %.1f s, snapshots "
                + "caught up %.1f s; teacher v%d, student v%d (last restart at v%d); test %.1f s%n", SEED,
            stream.records(), stream.validIds().size(), stream.labeled(), stream.badKeys().size(),
            KILLS_PER_ROLE * roles.size(), chaosSeconds, streamSeconds, logitsSeconds, doneSeconds,
            teacherSnap.version(), studentSnap.version(), restartedAt, seconds(t0));
    }

    /**
     * Kills the role {@link #KILLS_PER_ROLE} times at seeded random moments while the stream runs, and
     * starts it again after 0.2 to 2.5 s each time. About a third of the kills land in start-up (0.5 to
     * 5 s after the start); the others 0 to 3 s after the incarnation has shown progress (the log line
     * {@code progress}: a snapshot published, a first batch of logits), so it dies mid-work.
     */
    private static void killRepeatedly(RoleProcess role, String progress, Random rng, Runnable whileDown, long since)
        throws InterruptedException {
        for (int k = 0; k < KILLS_PER_ROLE; k++) {
            boolean inStartUp = rng.nextInt(3) == 0;
            if (inStartUp) {
                Thread.sleep(500 + rng.nextInt(4_500));
            } else {
                role.awaitOutput(progress, Duration.ofSeconds(90));
                Thread.sleep(rng.nextInt(3_000));
            }
            double at = seconds(since);
            int status = role.kill();
            assertThat(status).as(role.name() + " exit status after SIGKILL").isEqualTo(RoleProcess.SIGKILL_EXIT);
            whileDown.run();
            long down = 200 + rng.nextInt(2_300);
            Thread.sleep(down);
            role.start();
            System.out.printf("CrashIT: SIGKILL %s at %.1f s %s (status %d), restarted after %d ms%n", role.name(), at,
                inStartUp ? "in start-up" : "mid-work", status, down);
        }
        role.awaitOutput(progress, Duration.ofSeconds(90));
    }

    /** What the test published: the ids of valid records, the keys of the bad ones, the labeled count. */
    private record Stream(Set<String> validIds, List<String> badKeys, long labeled, long records) {
        Stream plusBad(String key) {
            List<String> b = new ArrayList<>(badKeys);
            b.add(key);
            b.sort(null);
            return new Stream(validIds, List.copyOf(b), labeled, records + 1);
        }
    }

    /** Publishes a labeled-topic record without a label, as a user with kcat could; returns its key. */
    private static String publishInvalidLabeled(Config config) {
        String key = "bad-last";
        InputCodec codec = new InputCodec(DataSettings.from(config));
        byte[] unlabeled = codec.encode(new InputRecord(key, 0, new float[DataSettings.from(config).features()],
            InputRecord.NO_LABEL));
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
            producer.send(new ProducerRecord<>("distill.records.labeled", key.getBytes(StandardCharsets.UTF_8), unlabeled));
            producer.flush();
        }
        return key;
    }

    /**
     * Publishes synthetic records at {@link #RATE} until the kills are over and then {@link #TAIL} more (so
     * every role works after its last restart), at most {@link #MAX_RECORDS}: a seeded share labeled, and
     * every {@link #BAD_EVERY}th one broken by hand (a payload that is not JSON, or a labeled-topic record
     * without a label), as a user with kcat could.
     */
    private static Stream produce(Config config, AtomicBoolean chaosOver) throws InterruptedException {
        DataSettings data = DataSettings.from(config);
        InputCodec codec = new InputCodec(data);
        SyntheticStream source = new SyntheticStream(SyntheticStream.Params.of(data.features(), data.classes(), SEED),
            DriftSchedule.parse(""), Clock.systemUTC());
        SplittableRandom labels = new SplittableRandom(SEED);
        Pacer pacer = Pacer.system(RATE);
        Set<String> valid = new HashSet<>();
        List<String> bad = new ArrayList<>();
        long labeled = 0;
        long stopAt = MAX_RECORDS;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
            for (int i = 0; i < stopAt; i++) {
                if (stopAt == MAX_RECORDS && chaosOver.get()) {
                    stopAt = Math.min(MAX_RECORDS, i + TAIL);
                }
                pacer.await();
                InputRecord r = source.next().record();
                if (i % BAD_EVERY == BAD_EVERY / 2) {
                    String key = "bad-" + i;
                    boolean onLabeled = bad.size() % 2 == 0;
                    byte[] value = onLabeled ? codec.encode(r.unlabeled())
                        : "{\"id\": \"bad\", \"features\": [1, 2".getBytes(StandardCharsets.UTF_8);
                    producer.send(new ProducerRecord<>(onLabeled ? "distill.records.labeled" : "distill.records.unlabeled",
                        key.getBytes(StandardCharsets.UTF_8), value));
                    bad.add(key);
                    continue;
                }
                if (labels.nextDouble() >= LABELED_FRACTION) {
                    r = r.unlabeled();
                } else {
                    labeled++;
                }
                producer.send(new ProducerRecord<>(r.labeled() ? "distill.records.labeled" : "distill.records.unlabeled",
                    r.id().getBytes(StandardCharsets.UTF_8), codec.encode(r)));
                valid.add(r.id());
            }
            producer.flush();
        }
        return new Stream(Set.copyOf(valid), List.copyOf(bad), labeled, stopAt);
    }

    /** Waits for a trainer snapshot whose offsets are the end of the labeled topic, and asserts it. */
    private static SnapshotManifest assertTrainerConsumedAll(String bootstrap, SnapshotCodec codec, String what)
        throws InterruptedException {
        Map<TopicPartition, Long> labeledEnd = SnapshotTopics.endOffsets(bootstrap, "distill.records.labeled");
        SnapshotManifest m = SnapshotTopics.await(bootstrap, "distill.teacher.snapshots", "teacher", codec,
            s -> Offsets.fromManifest(s.inputOffsets()).equals(labeledEnd), Duration.ofSeconds(60));
        assertThat(m).as("a teacher snapshot").isNotNull();
        assertThat(Offsets.fromManifest(m.inputOffsets())).as(what).isEqualTo(labeledEnd);
        return m;
    }

    /** The "resumed from" lines of every incarnation's log of {@code role}. */
    private static List<String> resumeLines(String role) throws IOException {
        List<String> lines = new ArrayList<>();
        try (DirectoryStream<Path> logs = Files.newDirectoryStream(LOGS, role + ".*.log")) {
            for (Path log : logs) {
                Files.readAllLines(log).stream().filter(l -> l.contains(" resumed from its ")).forEach(lines::add);
            }
        }
        return lines;
    }

    private static boolean consumedAll(SnapshotManifest m, Map<TopicPartition, Long> lastLogit) {
        Map<TopicPartition, Long> at = Offsets.fromManifest(m.inputOffsets());
        return lastLogit.entrySet().stream().allMatch(e -> at.getOrDefault(e.getKey(), 0L) >= e.getValue());
    }

    private static long newestVersion(String bootstrap, String topic, String model, SnapshotCodec codec) {
        SnapshotManifest m = SnapshotTopics.newest(bootstrap, topic, model, codec);
        return m == null ? 0 : m.version();
    }

    private static Map<String, String> with(Map<String, String> settings, String key, String value) {
        Map<String, String> m = new HashMap<>(settings);
        m.put(key, value);
        return m;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        var h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }
}
