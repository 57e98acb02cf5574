package io.distillery.ingest;

import io.distillery.records.InputRecord;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A drifting classification stream, reproducible from its seed.
 *
 * <p>Each concept is a Gaussian mixture: every class has {@code modes} centres drawn from
 * N(0, separation²·I) in {@code dims} dimensions; a record picks its class uniformly, one of the class's
 * modes uniformly, and adds N(0, noise²·I). Several modes per class make the best boundary non-linear,
 * so a larger network has something to learn that a small one does not. At each event of the
 * {@link DriftSchedule} a fresh concept (new centres) takes over: at once (abrupt) or with a share that
 * rises linearly over the event's width (gradual). Given the same seed, parameters and clock, the
 * records are identical. Not thread-safe.
 */
public final class SyntheticStream implements RecordSource {
    private final Params params;
    private final DriftSchedule drift;
    private final Clock clock;
    private final SplittableRandom rng;
    private final List<double[][][]> concepts = new ArrayList<>();
    private final SplittableRandom conceptRng;
    private long position;

    /**
     * @param dims feature count
     * @param classes class count
     * @param modes Gaussian modes per class
     * @param separation standard deviation of the mode centres
     * @param noise standard deviation of the per-record noise
     * @param seed the seed of everything random here
     */
    public record Params(int dims, int classes, int modes, double separation, double noise, long seed) {
        public Params {
            if (dims <= 0 || classes < 2 || modes <= 0 || !(separation > 0) || !(noise > 0)) {
                throw new IllegalArgumentException("synthetic stream needs dims > 0, classes >= 2, modes > 0, "
                    + "separation > 0 and noise > 0, was " + dims + ", " + classes + ", " + modes + ", "
                    + separation + ", " + noise);
            }
        }

        public static Params of(int dims, int classes, long seed) {
            return new Params(dims, classes, 3, 1.0, 0.6, seed);
        }
    }

    public SyntheticStream(Params params, DriftSchedule drift, Clock clock) {
        this.params = params;
        this.drift = drift;
        this.clock = clock;
        this.rng = new SplittableRandom(params.seed());
        this.conceptRng = new SplittableRandom(params.seed() ^ 0x5DEECE66DL);
    }

    @Override
    public Item next() {
        long pos = position++;
        DriftSchedule.Mix mix = drift.mixAt(pos);
        int concept = mix.concept();
        if (mix.weight() < 1.0 && rng.nextDouble() >= mix.weight()) {
            concept--;
        }
        double[][][] centres = concept(concept);
        int label = rng.nextInt(params.classes());
        double[] centre = centres[label][rng.nextInt(params.modes())];
        float[] x = new float[params.dims()];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (centre[i] + params.noise() * gaussian());
        }
        return Item.of(new InputRecord("syn-" + params.seed() + "-" + pos, clock.millis(), x, label), pos);
    }

    /** Position of the next record. */
    public long position() {
        return position;
    }

    @Override
    public String name() {
        return "synthetic";
    }

    private double[][][] concept(int index) {
        while (concepts.size() <= index) {
            double[][][] c = new double[params.classes()][params.modes()][params.dims()];
            for (double[][] cls : c) {
                for (double[] mode : cls) {
                    for (int i = 0; i < mode.length; i++) {
                        mode[i] = params.separation() * gaussian(conceptRng);
                    }
                }
            }
            concepts.add(c);
        }
        return concepts.get(index);
    }

    private double gaussian() {
        return gaussian(rng);
    }

    // Box-Muller on SplittableRandom, which has no nextGaussian before Java 17's RandomGenerator default.
    private static double gaussian(SplittableRandom r) {
        double u = 1.0 - r.nextDouble();
        double v = r.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    }
}
