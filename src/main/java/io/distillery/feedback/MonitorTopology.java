package io.distillery.feedback;

import io.distillery.config.MonitorSettings;
import io.distillery.records.EvalMessage;
import io.distillery.records.EvalSerde;
import io.distillery.records.EventTimeBound;
import io.distillery.records.FeedbackMessage;
import io.distillery.records.FeedbackSerde;
import io.distillery.records.MessageChecks;
import io.distillery.records.RejectReason;
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
 * <p>It reads {@code distill.student.evals} as bytes with event time from {@link EvalTimestampExtractor},
 * checks each one ({@link EvalCheck}): one that does not decode or fails its {@link MessageChecks} (classes,
 * finite non-negative KL, event time within {@code data.max.future.ms}) goes to {@code distill.deadletter}
 * with its reason (and to the listener); it re-keys the rest to the single key
 * {@value #KEY} through a one-partition repartition topic, so one task sees the whole sequence. Then:
 *
 * <ul>
 *   <li><b>windows</b>: tumbling event-time windows of {@code monitor.window.ms} with
 *       {@code monitor.grace.ms} of grace aggregate count, mean KL, agreement, accuracies and the
 *       per-class breakdown; one window report per window is written to {@code distill.feedback} when
 *       the window closes (suppressed until then). Records later than the grace are dropped by Kafka
 *       Streams and counted in its task metric {@code dropped-records-total}.</li>
 *   <li><b>drift</b>: {@link DriftProcessor} runs the detectors in arrival order with their state in the
 *       changelogged store {@value #DETECTOR_STORE}; a drift report goes to
 *       {@code distill.feedback} at the very record at which a detector fires, not at window close, so
 *       the teacher hears of it with no delay beyond the detector's own.</li>
 * </ul>
 *
 * Output key is {@value #KEY}; values use {@link FeedbackSerde}.
 *
 * <p>Both stores are in memory, restored from their changelog topics when a task starts: they hold a few
 * windows' sums and the detectors' snapshots (kilobytes), and under exactly-once Kafka Streams restores a
 * store from its changelog after an unclean stop anyway. In memory, the monitor loads no RocksDB: no native
 * library copied to {@code java.io.tmpdir} per process (14.5 MB, left there when the process is killed), and no
 * RocksDB memory outside the JVM's limits.
 */
public final class MonitorTopology {
    /** Every reason an evaluation message is refused for ({@link EvalCheck}, {@link MessageChecks#eval}). */
    static final List<String> REJECT_REASONS = java.util.stream.Stream.of(RejectReason.MALFORMED_MESSAGE,
        RejectReason.LABEL_OUT_OF_RANGE, RejectReason.CLASS_OUT_OF_RANGE, RejectReason.NON_FINITE,
        RejectReason.VALUE_OUT_OF_RANGE, RejectReason.FUTURE_EVENT_TIME).map(RejectReason::tag).toList();
    /** The single key every evaluation is re-keyed to, and the key of every feedback message. */
    public static final String KEY = "monitor";
    /** Key-value store of the detectors' snapshots. */
    public static final String DETECTOR_STORE = "monitor-detectors";
    /** Window store of the per-window sums. */
    public static final String WINDOW_STORE = "monitor-windows";
    /** Name of the one-partition repartition topic (prefixed by the application id). */
    public static final String SINGLE_KEY_TOPIC = "monitor-evals-single-key";

    private MonitorTopology() {
    }

    /**
     * @param settings windows, detector parameters and class count
     * @param listener told of closed windows, drift signals and rejected evaluations, on the stream thread
     * @param checks what a valid evaluation is (class count, event-time bound)
     * @param eventTime the event-time bound, also of the timestamp extractor
     */
    public static Topology build(MonitorSettings settings, MonitorListener listener, MessageChecks checks,
                                 EventTimeBound eventTime) {
        return build(settings, listener, checks, eventTime, new StreamsBuilder());
    }

    /**
     * As {@link #build(MonitorSettings, MonitorListener, MessageChecks, EventTimeBound)}, built under the
     * service's own Kafka Streams properties (a builder without them reads a stand-in configuration, which
     * warns about settings the service does set).
     */
    public static Topology build(MonitorSettings settings, MonitorListener listener, MessageChecks checks,
                                 EventTimeBound eventTime, Properties streams) {
        return build(settings, listener, checks, eventTime,
            new StreamsBuilder(new TopologyConfig(new StreamsConfig(streams))));
    }

    private static Topology build(MonitorSettings settings, MonitorListener listener, MessageChecks checks,
                                  EventTimeBound eventTime, StreamsBuilder b) {
        int classes = settings.classes();
        EvalSerde evalSerde = new EvalSerde();
        FeedbackSerde feedbackSerde = new FeedbackSerde();
        KStream<byte[], EvalCheck.Checked> checked = b.stream(Topics.STUDENT_EVALS.name(),
                Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                    .withTimestampExtractor(new EvalTimestampExtractor(eventTime)).withName("evals"))
            .processValues(() -> new EvalCheck(checks, listener), Named.as("check-evals"));
        checked.filterNot((k, c) -> c.valid(), Named.as("invalid-evals"))
            .mapValues(EvalCheck.Checked::bytes, Named.as("rejected-bytes"))
            .to(Topics.DEADLETTER.name(), Produced.with(Serdes.ByteArray(), Serdes.ByteArray())
                .withName("eval-dead-letters"));
        KStream<String, EvalMessage> evals = checked.filter((k, c) -> c.valid(), Named.as("valid-evals"))
            .map((k, c) -> KeyValue.pair(KEY, c.message()), Named.as("single-key"))
            .repartition(Repartitioned.<String, EvalMessage>as(SINGLE_KEY_TOPIC).withKeySerde(Serdes.String())
                .withValueSerde(evalSerde).withNumberOfPartitions(1));

        evals.groupByKey()
            .windowedBy(TimeWindows.ofSizeAndGrace(Duration.ofMillis(settings.windowMs()),
                Duration.ofMillis(settings.graceMs())))
            .aggregate(() -> new WindowStats(classes), (k, e, stats) -> stats.add(e), Named.as("window-stats"),
                Materialized.<String, WindowStats, WindowStore<Bytes, byte[]>>as(WINDOW_STORE)
                    .withStoreType(Materialized.StoreType.IN_MEMORY)
                    .withKeySerde(Serdes.String()).withValueSerde(WindowStats.serde(classes)))
            .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded()).withName("until-close"))
            .toStream(Named.as("closed-windows"))
            .map((w, stats) -> KeyValue.pair(KEY, stats.toFeedback(w.window().start(), w.window().end())),
                Named.as("window-report"))
            .peek((k, report) -> listener.windowClosed(report), Named.as("window-listener"))
            .to(Topics.FEEDBACK.name(), Produced.with(Serdes.String(), feedbackSerde).withName("window-feedback"));

        b.addStateStore(Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(DETECTOR_STORE),
            Serdes.String(), Serdes.ByteArray()));
        evals.process(() -> new DriftProcessor(settings, listener), Named.as("drift-detectors"), DETECTOR_STORE)
            .to(Topics.FEEDBACK.name(), Produced.with(Serdes.String(), feedbackSerde).withName("drift-feedback"));
        return b.build();
    }
}
