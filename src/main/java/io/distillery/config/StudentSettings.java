package io.distillery.config;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The student.
 *
 * @param network the student network (784-128-10 by default)
 * @param distillation temperature T and weight α of the soft term (T=1, α=0.9: measured best for a small
 *     student; a higher T distilled worse)
 * @param batchSize rows per training step
 * @param bufferSize capacity of the replay reservoir of past records
 * @param replayStepsMax replay steps per input batch when the student keeps up with the stream
 * @param replayStepsMin replay steps per input batch when it is behind by {@code lagHigh} records or more
 * @param lagHigh consumer lag, in records, at which the replay budget reaches its minimum
 * @param snapshotEverySteps publish a snapshot after this many steps...
 * @param snapshotEveryMs ...or after this long with new steps, whichever comes first
 * @param idleReplayMs longest run of replay steps a caught-up student takes between two polls (0 = no idle replay)
 * @param idleReplayMaxSteps idle replay steps at most since the last new records or new teacher (0 = no idle replay)
 * @param emaDecay decay of the exponential moving average of the weights that is published (and evaluated) as
 *     the student, in [0, 1); 0 = the trained weights
 * @param mixup share of each replayed batch replaced by points between two replayed records, with the teacher's
 *     logits there and no hard label, in [0, 1]; 0 = off. Not used where images are shifted ({@link #mixupShare})
 * @param shift share of each replayed batch replaced by copies of replayed images moved by up to one pixel each way,
 *     with the teacher's logits there and no hard label, in [0, 1]; used on images only ({@link #shiftShare})
 * @param imageWidth columns of an image record, 0 if records are not images ({@code data.image.width})
 */
public record StudentSettings(NetworkSpec network, DistillationSpec distillation, int batchSize, int bufferSize,
                              int replayStepsMax, int replayStepsMin, long lagHigh, int snapshotEverySteps,
                              long snapshotEveryMs, long idleReplayMs, long idleReplayMaxSteps, double emaDecay,
                              double mixup, double shift, int imageWidth) {
    public static final NetworkKeys NETWORK = NetworkKeys.of("student", "128", "0.001", "2");
    public static final ConfigKey TEMPERATURE = new ConfigKey("student.temperature", "1.0",
        "distillation temperature T of the soft targets (T=1 measured best for small students)");
    public static final ConfigKey ALPHA = new ConfigKey("student.alpha", "0.9",
        "weight of the soft (teacher) term against the hard label, in [0, 1]");
    public static final ConfigKey BUFFER_SIZE = new ConfigKey("student.buffer.size", "10000",
        "capacity of the student's replay reservoir of past records");
    public static final ConfigKey REPLAY_MAX = new ConfigKey("student.replay.steps.max", "8",
        "replay steps per input batch while the student keeps up with the stream");
    public static final ConfigKey REPLAY_MIN = new ConfigKey("student.replay.steps.min", "0",
        "replay steps per input batch when the student is behind by student.lag.high records or more");
    public static final ConfigKey LAG_HIGH = new ConfigKey("student.lag.high", "4096",
        "logits-topic lag, records, at which the replay budget shrinks to its minimum");
    public static final ConfigKey SNAPSHOT_STEPS = new ConfigKey("student.snapshot.every.steps", "500",
        "publish a student snapshot after this many training steps (idle replay steps not counted: they make one due "
            + "after student.snapshot.every.ms)");
    public static final ConfigKey SNAPSHOT_MS = new ConfigKey("student.snapshot.every.ms", "5000",
        "publish a student snapshot after this many milliseconds with new steps");
    public static final ConfigKey IDLE_REPLAY_MS = new ConfigKey("student.replay.idle.ms", "50",
        "caught up (fewer records waiting than one batch), the student replays in its spare time, at most this long "
            + "between two polls; 0 = off");
    public static final ConfigKey IDLE_REPLAY_STEPS = new ConfigKey("student.replay.idle.max.steps", "5000",
        "idle replay steps at most since the student's last new records or new teacher snapshot (a stopped stream "
            + "is not replayed forever)");
    public static final ConfigKey EMA_DECAY = new ConfigKey("student.ema.decay", "0",
        "the published student is an exponential moving average of the trained weights with this decay per step, "
            + "in [0, 1); 0 = off");
    public static final ConfigKey MIXUP = new ConfigKey("student.replay.mixup", "0.5",
        "share of each replayed batch replaced by mixed points between two replayed records, soft targets from the "
            + "teacher there, no hard label (function matching), in [0, 1]; 0 = off. On images "
            + "(data.image.width > 0) student.replay.shift takes its place unless that is 0");
    public static final ConfigKey SHIFT = new ConfigKey("student.replay.shift", "0.5",
        "on images (data.image.width > 0): share of each replayed batch replaced by copies of replayed images moved "
            + "by up to one pixel each way, soft targets from the teacher there, no hard label, in [0, 1], instead of "
            + "mixup; 0 = off (mixup then applies to images too). Not used on other records");
    public static final List<ConfigKey> KEYS = keys();

    public StudentSettings {
        Checks.positive(NETWORK.batchSize(), batchSize);
        Checks.atLeast(BUFFER_SIZE, bufferSize, batchSize);
        Checks.notNegative(REPLAY_MIN, replayStepsMin);
        Checks.atLeast(REPLAY_MAX, replayStepsMax, replayStepsMin);
        Checks.positive(LAG_HIGH, lagHigh);
        Checks.positive(SNAPSHOT_STEPS, snapshotEverySteps);
        Checks.positive(SNAPSHOT_MS, snapshotEveryMs);
        Checks.notNegative(IDLE_REPLAY_MS, idleReplayMs);
        Checks.notNegative(IDLE_REPLAY_STEPS, idleReplayMaxSteps);
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw ConfigException.invalid(EMA_DECAY.name(), emaDecay, "must be in [0, 1)");
        }
        Checks.inRange(MIXUP, mixup, 0, 1);
        Checks.inRange(SHIFT, shift, 0, 1);
        Checks.notNegative(DataSettings.IMAGE_WIDTH, imageWidth);
    }

    public static StudentSettings from(Config c) {
        DataSettings data = DataSettings.from(c);
        double t = c.getDouble(TEMPERATURE);
        Checks.positive(TEMPERATURE, t);
        double a = c.getDouble(ALPHA);
        Checks.inRange(ALPHA, a, 0, 1);
        return new StudentSettings(NETWORK.spec(c, data), new DistillationSpec(t, a), NETWORK.batch(c),
            c.getInt(BUFFER_SIZE), c.getInt(REPLAY_MAX), c.getInt(REPLAY_MIN), c.getLong(LAG_HIGH),
            c.getInt(SNAPSHOT_STEPS), c.getLong(SNAPSHOT_MS), c.getLong(IDLE_REPLAY_MS), c.getLong(IDLE_REPLAY_STEPS),
            c.getDouble(EMA_DECAY), c.getDouble(MIXUP), c.getDouble(SHIFT), data.imageWidth());
    }

    /** The share of each replayed batch that is shifted: {@code shift} on images, else 0. */
    public double shiftShare() {
        return imageWidth > 0 ? shift : 0;
    }

    /** The share of each replayed batch that is mixed: {@code mixup}, unless the batch's images are shifted. */
    public double mixupShare() {
        return shiftShare() > 0 ? 0 : mixup;
    }

    /** Replay steps for this input batch given the current lag: max when caught up, min at lagHigh. */
    public int replayBudget(long lag) {
        if (lag <= 0) {
            return replayStepsMax;
        }
        if (lag >= lagHigh) {
            return replayStepsMin;
        }
        double share = 1.0 - (double) lag / lagHigh;
        return replayStepsMin + (int) Math.round(share * (replayStepsMax - replayStepsMin));
    }

    private static List<ConfigKey> keys() {
        List<ConfigKey> k = new ArrayList<>(NETWORK.all());
        k.addAll(List.of(TEMPERATURE, ALPHA, BUFFER_SIZE, REPLAY_MAX, REPLAY_MIN, LAG_HIGH, SNAPSHOT_STEPS, SNAPSHOT_MS,
            IDLE_REPLAY_MS, IDLE_REPLAY_STEPS, EMA_DECAY, MIXUP, SHIFT));
        return List.copyOf(k);
    }
}
