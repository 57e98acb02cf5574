package io.distillery.student;

import io.distillery.inference.Engine;
import io.distillery.model.ImageShift;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.FollowedModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;

/**
 * The student's replay of past records. Each replayed record's soft targets are those of the newest
 * teacher snapshot: targets computed by an older teacher are recomputed first (and kept), so replay
 * teaches what the current teacher knows rather than what a cold teacher said when the record arrived.
 *
 * <p>With mixup ({@code student.replay.mixup} > 0) that share of each replayed batch is replaced by new points
 * between two replayed records, {@code λ·a + (1 − λ)·b} with {@code λ} uniform in [0, 1), whose soft targets the
 * teacher computes there and which carry no hard label: the student matches the teacher's function between
 * the records too, not only at them ("function matching"). On images ({@code student.replay.shift} > 0 and an
 * image width) that share is instead copies of replayed images moved by up to one pixel each way
 * ({@link ImageShift#nudged}), with the teacher's soft targets there and no hard label: new points near the data
 * rather than between records. Without a teacher snapshot yet, neither. The rows they replace are not refreshed:
 * their targets would not be used.
 *
 * <p>Threading: used by the student's loop thread only; it keeps its own predictor of the followed teacher on
 * the configured engine.
 */
final class Replay {
    private final ReplayBuffer buffer;
    private final Supplier<FollowedModel.Current> teacher;
    private final int batchSize;
    private long copiedVersion = Long.MIN_VALUE;
    private final Engine engine;
    private final double mixup;
    private final double shift;
    private final int imageWidth;
    private final Random random;
    private Predictor teacherCopy;
    private long teacherRows;

    /** A replay of records that are not images: mixup only. */
    Replay(ReplayBuffer buffer, Supplier<FollowedModel.Current> teacher, int batchSize, Engine engine, double mixup,
           long seed) {
        this(buffer, teacher, batchSize, engine, mixup, 0, 0, seed);
    }

    /**
     * @param teacher the newest verified teacher, or {@code null} before the first
     * @param engine the engine of the soft-target refresh
     * @param mixup share of each replayed batch replaced by mixed points, in [0, 1]
     * @param shift share of each replayed batch replaced by shifted copies (the first rows; mixup takes the next),
     *     in [0, 1 − mixup]; 0 unless the records are images
     * @param imageWidth columns of an image record; used when {@code shift} > 0
     * @param seed seed of the mixup's pairs and weights and of the shifts
     */
    Replay(ReplayBuffer buffer, Supplier<FollowedModel.Current> teacher, int batchSize, Engine engine, double mixup,
           double shift, int imageWidth, long seed) {
        if (!(mixup >= 0 && mixup <= 1)) {
            throw new IllegalArgumentException("mixup share must be in [0, 1], was " + mixup);
        }
        if (!(shift >= 0 && shift + mixup <= 1)) {
            throw new IllegalArgumentException("shift share must be in [0, 1 - mixup share], was " + shift);
        }
        if (shift > 0 && imageWidth <= 0) {
            throw new IllegalArgumentException("shifting needs the image width, was " + imageWidth);
        }
        this.buffer = buffer;
        this.teacher = teacher;
        this.batchSize = batchSize;
        this.engine = engine;
        this.mixup = mixup;
        this.shift = shift;
        this.imageWidth = imageWidth;
        this.random = new Random(seed);
    }

    /** Releases the teacher predictor. */
    void close() {
        if (teacherCopy != null) {
            teacherCopy.close();
        }
    }

    /** Keeps a record for replay, with the teacher version whose logits it carries. */
    void remember(float[] x, int label, float[] logits, long teacherVersion) {
        buffer.add(x, label, logits, teacherVersion);
    }

    /** Rows the teacher has computed targets for so far (refreshed and mixed). */
    long teacherRows() {
        return teacherRows;
    }

    /** Whether there is anything to replay. */
    boolean isEmpty() {
        return buffer.size() == 0;
    }

    /** One replay step of {@code student}; returns its loss. */
    double step(Network student) {
        ReplayBuffer.Batch b = batch();
        return student.fitDistill(b.x(), b.logits(), b.labels());
    }

    /**
     * The next replayed batch: sampled, the shift share shifted, the mixup share mixed, the other rows' soft targets
     * the newest teacher's.
     */
    ReplayBuffer.Batch batch() {
        ReplayBuffer.Batch b = buffer.sample(batchSize);
        FollowedModel.Current now = teacher.get();
        if (now != null) {
            int shifted = (int) Math.round(shift * b.size());
            int mixed = Math.min(b.size() - shifted, (int) Math.round(mixup * b.size()));
            refresh(b, shifted + mixed, now);
            augment(b, shifted, mixed);
        }
        return b;
    }

    /**
     * Replaces the first {@code shifted} rows of the batch with shifted copies and the next {@code mixed} with mixed
     * points (partners drawn from the sampled rows), each with the teacher's logits there and no hard label.
     */
    private void augment(ReplayBuffer.Batch b, int shifted, int mixed) {
        int n = shifted + mixed;
        if (n == 0) {
            return;
        }
        float[][] points = new float[n][];
        for (int i = 0; i < shifted; i++) {
            points[i] = ImageShift.nudged(b.x()[i], imageWidth, random);
        }
        for (int i = shifted; i < n; i++) {
            points[i] = between(b.x()[i], b.x()[random.nextInt(b.size())], random.nextFloat());
        }
        float[][] logits = teacherCopy.logits(points);
        teacherRows += n;
        for (int i = 0; i < n; i++) {
            b.x()[i] = points[i];
            b.logits()[i] = logits[i];
            b.labels()[i] = -1;
        }
    }

    /** {@code λ·a + (1 − λ)·b}, a new array. */
    static float[] between(float[] a, float[] b, float lambda) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = lambda * a[i] + (1 - lambda) * b[i];
        }
        return out;
    }

    /** Opens the newest teacher if it changed, and recomputes the stale targets of rows {@code [from, size)}. */
    private void refresh(ReplayBuffer.Batch b, int from, FollowedModel.Current now) {
        if (now.version() != copiedVersion) {
            close();
            teacherCopy = now.checked().open(engine);
            copiedVersion = now.version();
        }
        List<Integer> stale = new ArrayList<>();
        for (int i = from; i < b.size(); i++) {
            if (buffer.logitsVersion(b.slots()[i]) != now.version()) {
                stale.add(i);
            }
        }
        if (stale.isEmpty()) {
            return;
        }
        float[][] sx = new float[stale.size()][];
        for (int k = 0; k < sx.length; k++) {
            sx[k] = b.x()[stale.get(k)];
        }
        float[][] fresh = teacherCopy.logits(sx);
        teacherRows += sx.length;
        for (int k = 0; k < sx.length; k++) {
            int i = stale.get(k);
            b.logits()[i] = fresh[k];
            buffer.refresh(b.slots()[i], fresh[k], now.version());
        }
    }
}
