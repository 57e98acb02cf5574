package io.distillery.feedback;

import io.distillery.config.MonitorSettings;
import io.distillery.records.EvalMessage;
import io.distillery.records.EvalSerde;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.FeedbackSerde;
import io.distillery.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;

/**
 * The monitor's Kafka Streams topology, a pure function of its settings (tested with
 * {@code TopologyTestDriver}).
 *
 * <p>It reads {@code distill.student.evals} with event time from {@link EvalTimestampExtractor}, drops
 * invalid evaluations (reported to the listener), and re-keys the rest to the single key
 * {@value #KEY} through a one-partition repartition topic, so one task sees the whole sequence. Then:
 *
 * <ul>
 *   <li><b>windows</b>: tumbling event-time windows of {@code monitor.window.ms} with
 *       {@code monitor.grace.ms} of grace aggregate count, mean KL, agreement, accuracies and the
 *       per-class breakdown; one window report per window is written to {@code distill.feedback} when
 *       the window closes (suppressed until then). Records later than the grace are dropped by Kafka
 *       Streams and counted in its task metric {@code dropped-records-total}.</li>
 *   <li><b>drift</b>: {@link DriftProcessor} runs the detectors in arrival order with their state in the
 *       persistent, changelogged store {@value #DETECTOR_STORE}; a drift report goes to
 *       {@code distill.feedback} at the very record at which a detector fires, not at window close, so
 *       the teacher hears of it with no delay beyond the detector's own.</li>
 * </ul>
 *
 * Output key is {@value #KEY}; values use {@link FeedbackSerde}.
 */
public final class MonitorTopology {
    static final String REJECT_NULL = "null-value";
    static final String REJECT_CLASS = "class-out-of-range";
    static final String REJECT_KL = "invalid-kl";
    /** Every reason an evaluation message is rejected for. */
    static final List<String> REJECT_REASONS = List.of(REJECT_NULL, REJECT_CLASS, REJECT_KL);
    /** The single key every evaluation is re-keyed to, and the key of every feedback message. */
    public static final String KEY = "monitor";
    /** Key-value store of the detectors' snapshots. */
    public static final String DETECTOR_STORE = "monitor-detectors";
    /** Window store of the per-window sums. */
    public static final String WINDOW_STORE = "monitor-windows";
    /** Name of the one-partition repartition topic (prefixed by the application id). */
    public static final String SINGLE_KEY_TOPIC = "monitor-evals-single-key";

    /** Rounding below zero tolerated in a KL value, nats. */
    private static final double KL_TOLERANCE = 1e-6;

    private MonitorTopology() {
    }

    /** The topology with no listener. */
    public static Topology build(MonitorSettings settings) {
        return build(settings, MonitorListener.NONE);
    }

    /**
     * @param settings windows, detector parameters and class count
     * @param listener told of closed windows, drift signals and rejected evaluations, on the stream thread
     */
    public static Topology build(MonitorSettings settings, MonitorListener listener) {
        return build(settings, listener, new StreamsBuilder());
    }

    /**
     * As {@link #build(MonitorSettings, MonitorListener)}, built under the service's own Kafka Streams
     * properties (a builder without them reads a stand-in configuration, which warns about settings the
     * service does set).
     */
    public static Topology build(MonitorSettings settings, MonitorListener listener, Properties streams) {
        return build(settings, listener, new StreamsBuilder(new TopologyConfig(new StreamsConfig(streams))));
    }

    private static Topology build(MonitorSettings settings, MonitorListener listener, StreamsBuilder b) {
        int classes = settings.classes();
        EvalSerde evalSerde = new EvalSerde();
        FeedbackSerde feedbackSerde = new FeedbackSerde();
        KStream<String, EvalMessage> evals = b.stream(Topics.STUDENT_EVALS.name(),
                Consumed.with(Serdes.String(), evalSerde).withTimestampExtractor(new EvalTimestampExtractor())
                    .withName("evals"))
            .filter((k, e) -> accept(e, classes, listener), Named.as("valid-evals"))
            .selectKey((k, e) -> KEY, Named.as("single-key"))
            .repartition(Repartitioned.<String, EvalMessage>as(SINGLE_KEY_TOPIC).withKeySerde(Serdes.String())
                .withValueSerde(evalSerde).withNumberOfPartitions(1));

        evals.groupByKey()
            .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(settings.windowMs()),
                Duration.ofMillis(settings.graceMs())))
            .aggregate(() -> new WindowStats(classes), (k, e, stats) -> stats.add(e), Named.as("window-stats"),
                Materialized.<String, WindowStats, WindowStore<Bytes, byte[]>>as(WINDOW_STORE)
                    .withKeySerde(Serdes.String()).withValueSerde(WindowStats.serde(classes)))
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("until-close"))
            .toStream(Named.as("closed-windows"))
            .map((w, stats) -> KeyValue.pair(KEY, stats.toFeedback(w.window().start(), w.window().end())),
                Named.as("window-report"))
            .peek((k, report) -> listener.windowClosed(report), Named.as("window-listener"))
            .to(Topics.FEEDBACK.name(), Produced.with(Serdes.String(), feedbackSerde).withName("window-feedback"));

        b.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DETECTOR_STORE),
            Serdes.String(), Serdes.ByteArray()));
        evals.process(() -> new DriftProcessor(settings, listener), Named.as("drift-detectors"), DETECTOR_STORE)
            .to(Topics.FEEDBACK.name(), Produced.with(Serdes.String(), feedbackSerde).withName("drift-feedback"));
        return b.build();
    }

    private static boolean accept(EvalMessage e, int classes, MonitorListener listener) {
        String reason = null;
        if (e == null) {
            reason = REJECT_NULL;
        } else if (e.teacherClass() >= classes || e.studentClass() >= classes || e.label() >= classes) {
            reason = REJECT_CLASS;
        } else if (!Double.isFinite(e.kl()) || e.kl() < -KL_TOLERANCE) {
            reason = REJECT_KL;
        }
        if (reason != null) {
            listener.evalRejected(reason);
        }
        return reason == null;
    }
}
