package io.distillery.testing;

import io.distillery.model.Network;
import io.distillery.modelstore.OnnxGate;
import io.distillery.modelstore.ProbeOutputs;
import io.distillery.snapshot.LibraryVersions;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.snapshot.SnapshotManifest;
import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.util.List;
import java.util.Random;

/**
 * Signed snapshots of real DL4J students of one shape, at any version, for serving tests and benchmarks;
 * and bad ones (tampered, wrong shape).
 *
 * <p>A few networks with different seeds are built once; version {@code v} carries network
 * {@code v % variants}, so consecutive versions really change the weights and an answer's logits for
 * {@link #probe()} show which network computed it ({@link #expectedLogits(long)}). The model bytes are
 * serialized without the optimizer state, as the student role's {@code SnapshotWriter} writes the snapshots that
 * serving reads (the state goes to its checkpoints), or with it ({@link #trainedWithState}: Adam's two moments, as
 * in its checkpoints and in the snapshots of releases before checkpoints existed); {@link #encodedWithOnnx} also
 * carries the network's ONNX graph and its probe outputs as that writer does, and leaves the weights to the graph
 * as format 5 does ({@link #trainedFormat4} and {@link #trainedWithState}: the weights in both sections, format 4).
 * Thread-safe after construction.
 */
public final class StudentSnapshots {
    /** Steps a {@link #trained} network has taken. */
    private static final int TRAINING_STEPS = 20;
    private final int inputs;
    private final int outputs;
    private final SnapshotCodec codec;
    private final Network[] networks;
    private final byte[][] modelBytes;
    /** What {@link #encodedWithOnnx} carries in its network section. */
    private final byte[][] besideGraph;
    private final float[][] probeLogits;
    /** Each variant's outputs on the ONNX gate's probe batch, once its graph was checked (guarded by its network). */
    private final ProbeOutputs[] checked;
    private final byte[] wrongShapeBytes;
    private final float[] probe;
    private final boolean withState;

    /**
     * @param hidden width of the one hidden layer
     * @param variants how many differently seeded networks to rotate through, at least 1
     */
    public StudentSnapshots(int inputs, int hidden, int outputs, int variants) {
        this(inputs, hidden, outputs, variants, 0, false, SnapshotCodec.FORMAT_VERSION);
    }

    /**
     * As the constructor, with each network trained {@value #TRAINING_STEPS} steps on random rows and labels
     * first, so that its weights are no longer the initializer's; its snapshots are what a running student
     * publishes to serving (for the 784-128-10 student, about 0.4 MB: the ONNX graph carries the weights).
     */
    public static StudentSnapshots trained(int inputs, int hidden, int outputs, int variants) {
        return new StudentSnapshots(inputs, hidden, outputs, variants, TRAINING_STEPS, false,
            SnapshotCodec.FORMAT_VERSION);
    }

    /**
     * As {@link #trained}, with the snapshots in format 4, which carries the weights in the network section too:
     * what a student writes with {@code snapshot.write.format=4} (for the 784-128-10 student, about 0.8 MB).
     */
    public static StudentSnapshots trainedFormat4(int inputs, int hidden, int outputs, int variants) {
        return new StudentSnapshots(inputs, hidden, outputs, variants, TRAINING_STEPS, false,
            SnapshotCodec.FORMAT_VERSION_4);
    }

    /**
     * As {@link #trained}, with the optimizer state in each snapshot, as a running student's snapshots carried it
     * before checkpoints took it (for the 784-128-10 student, about 1.6 MB with the ONNX graph).
     */
    public static StudentSnapshots trainedWithState(int inputs, int hidden, int outputs, int variants) {
        return new StudentSnapshots(inputs, hidden, outputs, variants, TRAINING_STEPS, true,
            SnapshotCodec.FORMAT_VERSION_4);
    }

    private StudentSnapshots(int inputs, int hidden, int outputs, int variants, int trainingSteps,
                             boolean withState, int format) {
        this.withState = withState;
        this.inputs = inputs;
        this.outputs = outputs;
        this.codec = new SnapshotCodec(SnapshotFixtures.KEYS, format);
        this.probe = randomRow(inputs, new Random(42));
        this.networks = new Network[variants];
        this.modelBytes = new byte[variants][];
        this.besideGraph = new byte[variants][];
        this.probeLogits = new float[variants][];
        this.checked = new ProbeOutputs[variants];
        for (int i = 0; i < variants; i++) {
            Network n = student(inputs, hidden, outputs, i + 1);
            trainOnRandomRows(n, trainingSteps, new Random(i + 1));
            networks[i] = n;
            modelBytes[i] = n.toBytes(withState);
            besideGraph[i] = format < SnapshotCodec.FORMAT_VERSION ? modelBytes[i] : n.toBytesWithoutWeights();
            probeLogits[i] = n.logits(new float[][] {probe})[0];
        }
        this.wrongShapeBytes = student(inputs, hidden, outputs - 1, 99).toBytes(withState);
    }

    /**
     * Trains {@code network} {@code steps} steps on batches of 32 random rows in [0, 1) with random labels: enough
     * for its optimizer state to exist and be of a trained network's size, not to learn anything.
     */
    public static void trainOnRandomRows(Network network, int steps, Random random) {
        float[][] rows = new float[32][];
        int[] labels = new int[rows.length];
        for (int step = 0; step < steps; step++) {
            for (int r = 0; r < rows.length; r++) {
                rows[r] = randomRow(network.inputs(), random);
                labels[r] = random.nextInt(network.outputs());
            }
            network.fitHard(rows, labels);
        }
    }

    private static Network student(int inputs, int hidden, int outputs, long seed) {
        NetworkSpec spec = NetworkSpec.of(inputs, List.of(hidden), outputs).withSeed(seed);
        return Network.student(spec, new DistillationSpec(1.0, 0.5));
    }

    /** A row of {@code n} values in [0, 1). */
    public static float[] randomRow(int n, Random random) {
        float[] row = new float[n];
        for (int i = 0; i < n; i++) {
            row[i] = random.nextFloat();
        }
        return row;
    }

    /** A good snapshot of version {@code version}, without an ONNX graph (the reader exports one on load). */
    public Snapshot snapshot(long version) {
        return Snapshot.of(manifest(version, inputs, outputs), modelBytes[variant(version)]);
    }

    /** {@link #snapshot(long)}, encoded and signed. */
    public byte[] encoded(long version) {
        return codec.encode(snapshot(version));
    }

    /** The network that version {@code version} carries (a new instance). */
    public Network network(long version) {
        return Network.fromBytes(modelBytes[variant(version)]);
    }

    /** A signed snapshot of any network of this shape (trained, or made worse on purpose), at {@code version}. */
    public byte[] encoded(long version, Network network) {
        return codec.encode(Snapshot.of(manifest(version, inputs, outputs), network.toBytes(withState)));
    }

    /** A good snapshot of version {@code version} with its ONNX graph, as the student role writes it, encoded. */
    public byte[] encodedWithOnnx(long version) {
        SnapshotManifest m = manifest(version, inputs, outputs);
        int v = variant(version);
        synchronized (networks[v]) {
            byte[] onnx = OnnxGate.export(networks[v], m);
            if (checked[v] == null) {
                try {
                    checked[v] = OnnxGate.check(networks[v], onnx, m.id());
                } catch (SnapshotException e) {
                    throw new IllegalStateException(e);
                }
            }
            return codec.encode(Snapshot.of(checked[v].recordIn(m), besideGraph[v], onnx));
        }
    }

    /** A good snapshot with a byte of its signed manifest changed after signing: its signature does not match. */
    public byte[] tampered(long version) {
        byte[] bytes = encoded(version);
        bytes[9 + 3] ^= 0x5a;
        return bytes;
    }

    /** A correctly signed snapshot of a network with one class too few. */
    public byte[] wrongShape(long version) {
        return codec.encode(Snapshot.of(manifest(version, inputs, outputs - 1), wrongShapeBytes));
    }

    /** The input row whose logits identify the network. */
    public float[] probe() {
        return probe.clone();
    }

    /** The logits that the network of {@code version} gives for {@link #probe()}. */
    public float[] expectedLogits(long version) {
        return probeLogits[variant(version)].clone();
    }

    public SnapshotCodec codec() {
        return codec;
    }

    /** Size of one encoded good snapshot, bytes. */
    public int encodedSize() {
        return encoded(0).length;
    }

    private int variant(long version) {
        return (int) (version % modelBytes.length);
    }

    private static SnapshotManifest manifest(long version, int inputs, int outputs) {
        return SnapshotManifest.builder()
            .id("student-v" + version).model("student").role("student").version(version).configHash("storm")
            .libraryVersions(LibraryVersions.current()).createdAtMs(System.currentTimeMillis())
            .shape(inputs, outputs)
            .build();
    }
}
