package io.distillery.feedback;

import io.distillery.config.MonitorSettings;
import io.distillery.records.EvalMessage;
import io.distillery.records.FeedbackMessage;
import io.distillery.spec.DriftSignal;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Runs the drift detectors over every evaluation, in arrival order, and forwards a drift report
 * ({@link FeedbackMessage#drift}) at once when one or more of them fire.
 *
 * <p>Detectors: ADWIN and Page-Hinkley on the teacher's 0-1 error (labeled evaluations only), ADWIN on
 * the KL divergence (all evaluations). Their snapshots and the position counter are written to the
 * key-value store after every record they change, so the changelog (and, under exactly-once, the
 * committed offsets) always match them. They are read from the store lazily at the first record after
 * {@code init}, i.e. after Kafka Streams has restored the store. A snapshot in the store carries its
 * detector's parameters: changed {@code monitor.*} detector settings take effect after the store is
 * reset (e.g. with a new {@code monitor.application.id}).
 */
final class DriftProcessor implements Processor<String, EvalMessage, String, FeedbackMessage> {
    static final String POSITION = "position";

    private final int classes;
    private final MonitorListener listener;
    private final List<Watched> errorDetectors;
    private final Watched divergence;
    private ProcessorContext<String, FeedbackMessage> context;
    private KeyValueStore<String, byte[]> store;
    private boolean loaded;
    private long position;

    /** Every (detector, signal) pair a processor watches, for counters that exist at 0 from the start. */
    static final List<List<String>> DETECTIONS = List.of(List.of(Adwin.NAME, DriftSignal.TEACHER_ERROR),
        List.of(PageHinkley.NAME, DriftSignal.TEACHER_ERROR), List.of(Adwin.NAME, DriftSignal.DIVERGENCE));

    DriftProcessor(MonitorSettings s, MonitorListener listener) {
        this.classes = s.classes();
        this.listener = listener;
        this.errorDetectors = List.of(
            new Watched(DriftSignal.TEACHER_ERROR, new Adwin(s.adwinDelta())),
            new Watched(DriftSignal.TEACHER_ERROR,
                new PageHinkley(s.phMinInstances(), s.phDelta(), s.phLambda(), s.phAlpha())));
        this.divergence = new Watched(DriftSignal.DIVERGENCE, new Adwin(s.adwinDelta()));
    }

    /** The (detector, signal) pairs this processor watches. */
    List<List<String>> watched() {
        List<List<String>> out = new ArrayList<>();
        errorDetectors.forEach(w -> out.add(List.of(w.detector.name(), w.signal)));
        out.add(List.of(divergence.detector.name(), divergence.signal));
        return out;
    }

    @Override
    public void init(ProcessorContext<String, FeedbackMessage> context) {
        this.context = context;
        this.store = context.getStateStore(MonitorTopology.DETECTOR_STORE);
        this.loaded = false;
    }

    @Override
    public void process(Record<String, EvalMessage> record) {
        if (!loaded) {
            load();
        }
        EvalMessage e = record.value();
        long at = position++;
        List<DriftSignal> fired = new ArrayList<>(2);
        if (e.labeled()) {
            for (Watched w : errorDetectors) {
                w.feed(e.teacherError(), at, e.eventTimeMs(), fired);
            }
        }
        divergence.feed(e.kl(), at, e.eventTimeMs(), fired);
        store.put(POSITION, ByteBuffer.allocate(8).putLong(position).array());
        if (!fired.isEmpty()) {
            fired.forEach(listener::driftDetected);
            context.forward(record.withKey(MonitorTopology.KEY)
                .withValue(FeedbackMessage.drift(e.eventTimeMs(), classes, fired)));
        }
    }

    private void load() {
        byte[] p = store.get(POSITION);
        position = p == null ? 0 : ByteBuffer.wrap(p).getLong();
        for (Watched w : errorDetectors) {
            w.load();
        }
        divergence.load();
        loaded = true;
    }

    /** One detector over one signal, saved under "signal/detector". */
    private final class Watched {
        final String signal;
        final DriftDetector detector;
        final String storeKey;

        Watched(String signal, DriftDetector detector) {
            this.signal = signal;
            this.detector = detector;
            this.storeKey = signal + "/" + detector.name();
        }

        void feed(double value, long at, long eventTimeMs, List<DriftSignal> fired) {
            if (detector.add(value)) {
                fired.add(new DriftSignal(detector.name(), signal, at, eventTimeMs));
            }
            store.put(storeKey, detector.snapshot());
        }

        void load() {
            byte[] saved = store.get(storeKey);
            if (saved == null) {
                detector.reset();
            } else {
                detector.restore(saved);
            }
        }
    }
}
