package io.distillery.feedback;

import io.distillery.spec.DriftSignal;
import java.util.ArrayList;
import java.util.List;

/** Where detectors fire: computed directly over a sequence, or as the monitor reported them. */
final class Detections {
    private Detections() {
    }

    /** The indices at which {@code d} fires when fed {@code values} in order. */
    static List<Long> of(DriftDetector d, double[] values) {
        List<Long> out = new ArrayList<>();
        for (int i = 0; i < values.length; i++) {
            if (d.add(values[i])) {
                out.add((long) i);
            }
        }
        return out;
    }

    /** The positions of the reported drifts of one detector on one signal, in order. */
    static List<Long> reported(List<DriftSignal> drifts, String detector, String signal) {
        return drifts.stream().filter(d -> d.detector().equals(detector) && d.signal().equals(signal))
            .map(DriftSignal::position).toList();
    }
}
