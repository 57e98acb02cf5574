package io.distillery.config;

import io.distillery.spec.NetworkSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The teacher's trainer and emitter.
 *
 * @param network the teacher network (784-512-256-10 by default for Fashion-MNIST)
 * @param batchSize rows per training step
 * @param bufferSize capacity of the replay buffer of labeled records
 * @param replayRatio training rows per newly arrived labeled row (10 = one 128-row step per ~13 labels)
 * @param snapshotEverySteps publish a snapshot after this many steps...
 * @param snapshotEveryMs ...or after this long with new steps or newly consumed records, whichever comes first
 * @param bootstrapEpochs epochs over the labeled topic's retained history before going live (0 = none)
 * @param bootstrapFile a teacher snapshot file to start from when the topic has none, or null
 * @param emitterId stable id of this emitter instance (its transactional id derives from it)
 * @param emitterMaxPollRecords records per emitter poll, i.e. per transaction at most
 * @param trainerCpuShare share of one core the trainer's steps may take when it shares the process with
 *     the emitter (1 = no cap)
 * @param idleReplayMs longest run of buffer steps a caught-up trainer takes between two polls (0 = no idle replay)
 * @param idleReplayMaxSteps idle replay steps at most since the last new labeled records (0 = no idle replay)
 * @param emaDecay decay of the exponential moving average of the weights that is published as the teacher
 *     (0 = the trained weights themselves)
 */
public record TeacherSettings(NetworkSpec network, int batchSize, int bufferSize, double replayRatio,
                              int snapshotEverySteps, long snapshotEveryMs, int bootstrapEpochs, Path bootstrapFile,
                              String emitterId, int emitterMaxPollRecords, double trainerCpuShare,
                              long idleReplayMs, long idleReplayMaxSteps, double emaDecay) {
    public static final NetworkKeys NETWORK = NetworkKeys.of("teacher", "512,256", "0.001", "1");
    public static final ConfigKey BUFFER_SIZE = new ConfigKey("teacher.buffer.size", "40000",
        "capacity of the trainer's replay buffer of labeled records (reservoir)");
    public static final ConfigKey REPLAY_RATIO = new ConfigKey("teacher.replay.ratio", "10",
        "training rows per newly arrived labeled row; steps come in full mini-batches from the buffer");
    public static final ConfigKey SNAPSHOT_STEPS = new ConfigKey("teacher.snapshot.every.steps", "200",
        "publish a teacher snapshot after this many training steps (idle replay steps not counted: they make one due "
            + "after teacher.snapshot.every.ms)");
    public static final ConfigKey SNAPSHOT_MS = new ConfigKey("teacher.snapshot.every.ms", "10000",
        "publish a teacher snapshot after this many milliseconds with new steps or newly consumed records");
    public static final ConfigKey BOOTSTRAP_EPOCHS = new ConfigKey("teacher.bootstrap.epochs", "0",
        "when no teacher snapshot exists: epochs over the labeled topic's history before going live");
    public static final ConfigKey BOOTSTRAP_FILE = new ConfigKey("teacher.bootstrap.file", null,
        "when no teacher snapshot exists: a snapshot file (.dsnp) to start from");
    public static final ConfigKey EMITTER_ID = new ConfigKey("teacher.emitter.id", "emitter-0",
        "stable id of this emitter replica; its Kafka transactional id is distill-emitter-<id>");
    public static final ConfigKey EMITTER_MAX_POLL = new ConfigKey("teacher.emitter.max.poll.records", "512",
        "input records per emitter poll (and per transaction at most)");
    public static final ConfigKey TRAINER_CPU_SHARE = new ConfigKey("teacher.trainer.cpu.share", "0.5",
        "share of one core the trainer's steps may take beside an emitter in the same process, in (0, 1]; "
            + "not applied with --only trainer");
    public static final ConfigKey IDLE_REPLAY_MS = new ConfigKey("teacher.replay.idle.ms", "0",
        "caught up (no lag), the trainer steps on its buffer in its spare time, at most this long between two polls; "
            + "0 = off");
    public static final ConfigKey IDLE_REPLAY_STEPS = new ConfigKey("teacher.replay.idle.max.steps", "1000",
        "idle buffer steps at most since the trainer's last new labeled records");
    public static final ConfigKey EMA_DECAY = new ConfigKey("teacher.ema.decay", "0.995",
        "the published teacher is an exponential moving average of the trained weights with this decay per step, "
            + "in [0, 1); 0 = off");
    public static final List<ConfigKey> KEYS = keys();

    public TeacherSettings {
        Checks.positive(NETWORK.batchSize(), batchSize);
        Checks.positive(BUFFER_SIZE, bufferSize);
        Checks.atLeast(BUFFER_SIZE, bufferSize, batchSize);
        Checks.positive(REPLAY_RATIO, replayRatio);
        Checks.positive(SNAPSHOT_STEPS, snapshotEverySteps);
        Checks.positive(SNAPSHOT_MS, snapshotEveryMs);
        Checks.notNegative(BOOTSTRAP_EPOCHS, bootstrapEpochs);
        Checks.notBlank(EMITTER_ID, emitterId);
        Checks.positive(EMITTER_MAX_POLL, emitterMaxPollRecords);
        if (!(trainerCpuShare > 0 && trainerCpuShare <= 1)) {
            throw ConfigException.invalid(TRAINER_CPU_SHARE.name(), trainerCpuShare, "must be in (0, 1]");
        }
        Checks.notNegative(IDLE_REPLAY_MS, idleReplayMs);
        Checks.notNegative(IDLE_REPLAY_STEPS, idleReplayMaxSteps);
        if (!(emaDecay >= 0 && emaDecay < 1)) {
            throw ConfigException.invalid(EMA_DECAY.name(), emaDecay, "must be in [0, 1)");
        }
    }

    /** These settings with the trainer's CPU cap lifted (a trainer with a process of its own). */
    public TeacherSettings uncapped() {
        return new TeacherSettings(network, batchSize, bufferSize, replayRatio, snapshotEverySteps, snapshotEveryMs,
            bootstrapEpochs, bootstrapFile, emitterId, emitterMaxPollRecords, 1.0, idleReplayMs, idleReplayMaxSteps,
            emaDecay);
    }

    public static TeacherSettings from(Config c) {
        DataSettings data = DataSettings.from(c);
        String file = c.get(BOOTSTRAP_FILE);
        return new TeacherSettings(NETWORK.spec(c, data), NETWORK.batch(c), c.getInt(BUFFER_SIZE),
            c.getDouble(REPLAY_RATIO), c.getInt(SNAPSHOT_STEPS), c.getLong(SNAPSHOT_MS), c.getInt(BOOTSTRAP_EPOCHS),
            file == null || file.isBlank() ? null : Path.of(file), c.getString(EMITTER_ID),
            c.getInt(EMITTER_MAX_POLL), c.getDouble(TRAINER_CPU_SHARE), c.getLong(IDLE_REPLAY_MS),
            c.getLong(IDLE_REPLAY_STEPS), c.getDouble(EMA_DECAY));
    }

    private static List<ConfigKey> keys() {
        List<ConfigKey> k = new ArrayList<>(NETWORK.all());
        k.addAll(List.of(BUFFER_SIZE, REPLAY_RATIO, SNAPSHOT_STEPS, SNAPSHOT_MS, BOOTSTRAP_EPOCHS, BOOTSTRAP_FILE,
            EMITTER_ID, EMITTER_MAX_POLL, TRAINER_CPU_SHARE, IDLE_REPLAY_MS, IDLE_REPLAY_STEPS, EMA_DECAY));
        return List.copyOf(k);
    }
}
