package io.distillery.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.config.MonitorSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.EvalMessage;
import io.distillery.records.EvalSerde;
import io.distillery.records.EventTimeBound;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.FeedbackSerde;
import io.distillery.records.MessageChecks;
import io.distillery.spec.DriftSignal;
import io.distillery.testing.DriftVectors;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.processor.StateStore;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorTopologyTest {
    /** The clock of the event-time bound: far after every event time of these tests. */
    private static final Clock NOW = Clock.fixed(Instant.ofEpochMilli(1_000_000_000L), ZoneOffset.UTC);
    /** The wall clock of the window metrics. */
    private static final Clock WALL = Clock.fixed(Instant.ofEpochMilli(1_234_500), ZoneOffset.UTC);
    private static final MonitorSettings SETTINGS =
        new MonitorSettings(10_000, 2_000, 0.002, 50, 0.005, 0.9999, 30, "monitor-test", null, 3);

    @TempDir
    Path stateDir;

    @Test
    void shouldAggregateOneWindowWhenItCloses() {
        try (Harness h = new Harness(MonitorListener.NONE)) {
            h.send(eval("a", 1_000, 0, 0, 0, 0.1));
            h.send(eval("b", 2_000, 1, 1, 2, 0.3));
            h.send(eval("c", 3_000, EvalMessage.UNLABELED, 2, 2, 0.2));
            h.send(eval("d", 9_999, EvalMessage.UNLABELED, 0, 1, 0.4));
            h.send(eval("e", 11_999, EvalMessage.UNLABELED, 0, 0, 0.0));
            assertThat(h.windows()).as("open until end + grace").isEmpty();
            h.send(eval("f", 12_000, EvalMessage.UNLABELED, 0, 0, 0.0));

            List<FeedbackMessage> windows = h.windows();
            assertThat(windows).hasSize(1);
            FeedbackMessage w = windows.get(0);
            assertThat(w.windowStartMs()).isZero();
            assertThat(w.windowEndMs()).isEqualTo(10_000);
            assertThat(w.count()).isEqualTo(4);
            assertThat(w.labeledCount()).isEqualTo(2);
            assertThat(w.meanKl()).isCloseTo(0.25, within(1e-12));
            assertThat(w.agreement()).isEqualTo(0.5);
            assertThat(w.studentAccuracy()).isEqualTo(0.5);
            assertThat(w.teacherAccuracy()).isEqualTo(1.0);
            assertThat(w.drifts()).isEmpty();
        }
    }

    @Test
    void shouldBreakAgreementDownByTeacherClassWithNaNForEmptyClass() {
        try (Harness h = new Harness(MonitorListener.NONE)) {
            h.send(eval("a", 1_000, EvalMessage.UNLABELED, 0, 0, 0.1));
            h.send(eval("b", 2_000, EvalMessage.UNLABELED, 0, 1, 0.1));
            h.send(eval("c", 3_000, EvalMessage.UNLABELED, 0, 0, 0.1));
            h.send(eval("d", 4_000, EvalMessage.UNLABELED, 2, 1, 0.1));
            h.send(eval("e", 30_000, EvalMessage.UNLABELED, 0, 0, 0.1));

            FeedbackMessage w = h.windows().get(0);
            assertThat(w.perClassCount()).containsExactly(3, 0, 1);
            assertThat(w.perClassAgreement()[0]).isCloseTo(2.0 / 3, within(1e-12));
            assertThat(w.perClassAgreement()[1]).isNaN();
            assertThat(w.perClassAgreement()[2]).isZero();
            assertThat(w.studentAccuracy()).as("no labeled records").isNaN();
            assertThat(w.teacherAccuracy()).isNaN();
        }
    }

    @Test
    void shouldCountLateRecordWithinGraceAndDropOneAfterGrace() {
        try (Harness h = new Harness(MonitorListener.NONE)) {
            h.send(eval("a", 1_000, EvalMessage.UNLABELED, 0, 0, 0.1));
            h.send(eval("b", 11_000, EvalMessage.UNLABELED, 0, 0, 0.1));
            h.send(eval("late-in-grace", 5_000, EvalMessage.UNLABELED, 0, 0, 0.1));
            h.send(eval("c", 12_500, EvalMessage.UNLABELED, 0, 0, 0.1));
            h.send(eval("late-after-grace", 6_000, EvalMessage.UNLABELED, 0, 0, 0.1));
            h.send(eval("d", 40_000, EvalMessage.UNLABELED, 0, 0, 0.1));

            List<FeedbackMessage> windows = h.windows();
            assertThat(windows).extracting(FeedbackMessage::windowStartMs).containsExactly(0L, 10_000L);
            assertThat(windows).extracting(FeedbackMessage::count).containsExactly(2L, 2L);
            assertThat(h.droppedRecords()).isEqualTo(1.0);
        }
    }

    @Test
    void shouldFireDetectorsAtMoaIndicesThroughTheTopologyAndReportAtOnce() {
        double[] errors = DriftVectors.values("abrupt-s1");
        double[] kl = DriftVectors.values("divergence-s1");
        try (Harness h = new Harness(MonitorListener.NONE)) {
            h.sendAll(labeledStream(errors, kl, 0, 10_048));
            assertThat(h.drifts()).as("reported at the firing record, before its window closes")
                .contains(new DriftSignal("ADWIN", DriftSignal.TEACHER_ERROR, 10_047, 10_047 * 10L));
            h.sendAll(labeledStream(errors, kl, 10_048, 10_464));

            List<DriftSignal> all = h.drifts();
            assertThat(Detections.reported(all, "ADWIN", DriftSignal.TEACHER_ERROR))
                .isEqualTo(DriftVectors.moaDetections("abrupt-s1", "ADWIN"));
            assertThat(Detections.reported(all, "PageHinkley", DriftSignal.TEACHER_ERROR))
                .isEqualTo(DriftVectors.moaDetections("abrupt-s1", "PageHinkley"));
            assertThat(Detections.reported(all, "ADWIN", DriftSignal.DIVERGENCE))
                .isEqualTo(DriftVectors.moaDetections("divergence-s1", "ADWIN"));
        }
    }

    @Test
    void shouldKeepBothStoresInMemoryWithAChangelog() {
        try (Harness h = new Harness(MonitorListener.NONE)) {
            for (String name : List.of(MonitorTopology.DETECTOR_STORE, MonitorTopology.WINDOW_STORE)) {
                StateStore store = h.driver.getAllStateStores().get(name);
                assertThat(store).as(name).isNotNull();
                // persistent stores are RocksDB, which copies a 14.5 MB native library into /tmp per process
                assertThat(store.persistent()).as(name + " persistent").isFalse();
            }
            assertThat(h.driver.producedTopicNames()).isEmpty();
            h.send(eval("r-1", 1_000, 1, 1, 1, 0.1));
            assertThat(h.driver.producedTopicNames()).as("changelogs written")
                .contains(SETTINGS.applicationId() + "-" + MonitorTopology.DETECTOR_STORE + "-changelog",
                    SETTINGS.applicationId() + "-" + MonitorTopology.WINDOW_STORE + "-changelog");
        }
    }

    @Test
    void shouldKeepDetectorStateAcrossRestartFromTheStore() {
        double[] errors = new double[1_200];
        double[] kl = new double[errors.length];
        for (int i = 0; i < errors.length; i++) {
            errors[i] = i < 600 ? (i % 5 == 0 ? 1 : 0) : (i % 5 == 0 ? 0 : 1);
            kl[i] = i < 900 ? 0.1 + 0.01 * (i % 3) : 0.3 + 0.01 * (i % 3);
        }
        Map<String, byte[]> saved = new HashMap<>();
        try (Harness h = new Harness(MonitorListener.NONE)) {
            h.sendAll(labeledStream(errors, kl, 0, 600));
            assertThat(h.drifts()).isEmpty();
            try (KeyValueIterator<String, byte[]> it = h.detectorStore().all()) {
                it.forEachRemaining(kv -> saved.put(kv.key, kv.value));
            }
        }
        assertThat(saved).containsOnlyKeys(DriftProcessor.POSITION, "teacher-error/ADWIN",
            "teacher-error/PageHinkley", "divergence/ADWIN");
        try (Harness h = new Harness(MonitorListener.NONE)) {
            saved.forEach(h.detectorStore()::put);
            h.sendAll(labeledStream(errors, kl, 600, errors.length));
            List<DriftSignal> drifts = h.drifts();
            assertThat(Detections.reported(drifts, "ADWIN", DriftSignal.TEACHER_ERROR))
                .isEqualTo(Detections.of(new Adwin(SETTINGS.adwinDelta()), errors)).isNotEmpty();
            assertThat(Detections.reported(drifts, "PageHinkley", DriftSignal.TEACHER_ERROR))
                .isEqualTo(Detections.of(new PageHinkley(), errors)).isNotEmpty();
            assertThat(Detections.reported(drifts, "ADWIN", DriftSignal.DIVERGENCE))
                .isEqualTo(Detections.of(new Adwin(SETTINGS.adwinDelta()), kl)).isNotEmpty();
        }
    }

    @Test
    void shouldDeadLetterEveryInvalidEvaluationWithItsReasonAndAggregateTheRest() {
        try (Harness h = new Harness(MonitorListener.NONE)) {
            h.send(eval("a", 1_000, 0, 0, 0, 0.1));
            h.raw.pipeInput("garbage", "garbage".getBytes(StandardCharsets.UTF_8));
            h.raw.pipeInput("null", (byte[]) null);
            h.send(eval("class-7", 1_100, 0, 7, 0, 0.1));
            h.send(eval("label-3", 1_200, 3, 0, 0, 0.1));
            h.send(eval("nan-kl", 1_300, 0, 0, 0, Double.NaN));
            h.send(eval("negative-kl", 1_400, 0, 0, 0, -0.5));
            h.send(eval("future", NOW.millis() + 3_600_000, 0, 0, 0, 0.1));
            h.send(eval("b", 2_000, 0, 0, 0, 0.1));
            h.send(eval("close", 12_000, 0, 0, 0, 0.1));

            assertThat(h.windows()).extracting(FeedbackMessage::count).containsExactly(2L);
            List<TestRecord<String, byte[]>> dead = h.deadLetters.readRecordsToList();
            assertThat(dead).extracting(r -> header(r, DeadLetters.REASON)).containsExactly("malformed-message",
                "malformed-message", "class-out-of-range", "label-out-of-range", "non-finite", "value-out-of-range",
                "future-event-time");
            assertThat(dead).extracting(TestRecord::key).containsExactly("garbage", "null", "class-7", "label-3",
                "nan-kl", "negative-kl", "future");
            assertThat(dead).allSatisfy(r -> {
                assertThat(header(r, DeadLetters.ROLE)).isEqualTo("monitor");
                assertThat(header(r, DeadLetters.SOURCE_TOPIC)).isEqualTo(Topics.STUDENT_EVALS.name());
            });
            assertThat(dead.get(0).value()).isEqualTo("garbage".getBytes(StandardCharsets.UTF_8));
        }
    }

    @Test
    void shouldKeepClosingWindowsAfterAnEvaluationFromTheFarFuture() {
        try (Harness h = new Harness(MonitorListener.NONE)) {
            h.send(eval("a", 1_000, 0, 0, 0, 0.1));
            h.send(eval("future", NOW.millis() + 3_600_000, 0, 0, 0, 0.1));
            h.send(eval("b", 2_000, 0, 0, 0, 0.1));
            h.send(eval("c", 15_000, 0, 0, 0, 0.1));
            h.send(eval("d", 22_000, 0, 0, 0, 0.1));

            assertThat(h.windows()).extracting(FeedbackMessage::windowStartMs).containsExactly(0L, 10_000L);
            assertThat(h.windows()).extracting(FeedbackMessage::count).containsExactly(2L, 1L);
            assertThat(h.droppedRecords()).isZero();
        }
    }

    private static String header(TestRecord<String, byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    @Test
    void shouldPublishWindowGaugesDriftCountersAndRejections() {
        try (RoleMetrics metrics = new RoleMetrics();
             Harness h = new Harness(new FeedbackMetrics(metrics, "monitor", SETTINGS.classes(), SETTINGS.windowMs(), WALL))) {
            h.send(eval("a", 1_000, 0, 0, 1, 0.5));
            h.send(eval("bad", 1_500, 0, 7, 1, 0.5));
            h.send(eval("b", 2_000, 1, 0, 0, 0.25));
            h.send(eval("c", 20_000, 1, 0, 0, 0.25));

            assertThat(h.windows()).extracting(FeedbackMessage::count).containsExactly(2L);
            String scrape = metrics.scrape();
            // names exactly as MetricSpec.prometheusNames() gives them
            assertThat(scrape).contains("distill_window_kl{role=\"monitor\"} 0.375")
                .contains("distill_window_closed_timestamp_seconds{role=\"monitor\"} 1234.5")
                .contains("distill_window_length_seconds{role=\"monitor\"} 10.0")
                .contains("distill_window_accuracy{model=\"teacher\",role=\"monitor\"} 0.5")
                .contains("distill_window_class_agreement{class=\"0\",role=\"monitor\"} 0.5")
                .contains("distill_window_class_agreement{class=\"1\",role=\"monitor\"} NaN")
                .contains("reason=\"class-out-of-range\",role=\"monitor\"} 1.0");
            new FeedbackMetrics(metrics, "monitor", SETTINGS.classes(), SETTINGS.windowMs(), WALL)
                .driftDetected(new DriftSignal("ADWIN", DriftSignal.DIVERGENCE, 5, 5));
            assertThat(metrics.scrape())
                .contains("distill_drift_detections_total{detector=\"ADWIN\",role=\"monitor\",signal=\"divergence\"} 1.0");
        }
    }

    private static List<KeyValue<String, EvalMessage>> labeledStream(double[] errors, double[] kl, int from, int to) {
        List<KeyValue<String, EvalMessage>> out = new ArrayList<>(to - from);
        for (int i = from; i < to; i++) {
            int teacher = errors[i] == 1.0 ? 1 : 0;
            out.add(KeyValue.pair("r" + i, eval("r" + i, i * 10L, 0, teacher, teacher, kl[i])));
        }
        return out;
    }

    private static EvalMessage eval(String id, long t, int label, int teacher, int student, double kl) {
        return new EvalMessage(id, t, 1, 1, label, teacher, student, kl);
    }

    /** A driver over the topology with the evals input and the feedback output. */
    private final class Harness implements AutoCloseable {
        final TopologyTestDriver driver;
        final TestInputTopic<String, EvalMessage> in;
        final TestInputTopic<String, byte[]> raw;
        final TestOutputTopic<String, byte[]> deadLetters;
        final TestOutputTopic<String, FeedbackMessage> out;
        final List<FeedbackMessage> seen = new ArrayList<>();

        Harness(MonitorListener listener) {
            Properties p = new Properties();
            p.put(StreamsConfig.APPLICATION_ID_CONFIG, SETTINGS.applicationId());
            p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
            p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
            EventTimeBound bound = new EventTimeBound(5_000, NOW);
            driver = new TopologyTestDriver(MonitorTopology.build(SETTINGS, listener,
                new MessageChecks(4, SETTINGS.classes(), bound), bound), p);
            in = driver.createInputTopic(Topics.STUDENT_EVALS.name(), new StringSerializer(), new EvalSerde().serializer());
            raw = driver.createInputTopic(Topics.STUDENT_EVALS.name(), new StringSerializer(), new ByteArraySerializer());
            deadLetters = driver.createOutputTopic(Topics.DEADLETTER.name(), new StringDeserializer(),
                new ByteArrayDeserializer());
            out = driver.createOutputTopic(Topics.FEEDBACK.name(), new StringDeserializer(),
                new FeedbackSerde().deserializer());
        }

        void send(EvalMessage e) {
            in.pipeInput(e.recordId(), e);
        }

        void sendAll(List<KeyValue<String, EvalMessage>> evals) {
            in.pipeKeyValueList(evals);
        }

        List<FeedbackMessage> windows() {
            drain();
            return seen.stream().filter(FeedbackMessage::isWindow).toList();
        }

        List<DriftSignal> drifts() {
            drain();
            return seen.stream().flatMap(m -> m.drifts().stream()).toList();
        }

        KeyValueStore<String, byte[]> detectorStore() {
            return driver.getKeyValueStore(MonitorTopology.DETECTOR_STORE);
        }

        double droppedRecords() {
            return driver.metrics().entrySet().stream()
                .filter(e -> e.getKey().name().equals("dropped-records-total"))
                .mapToDouble(e -> ((Number) e.getValue().metricValue()).doubleValue()).sum();
        }

        private void drain() {
            out.readValuesToList().forEach(seen::add);
        }

        @Override
        public void close() {
            driver.close();
        }
    }
}
