package io.distillery.serving;

import io.distillery.snapshot.SnapshotManifest;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * One verified snapshot ready to serve: its manifest and a pool of network copies.
 *
 * <p>Immutable apart from the pool. Thread-safe: each call of {@link #logits} borrows one copy for its
 * duration, so up to {@link #copies()} requests run in parallel and a request never shares a network.
 * A request that holds a reference to this object finishes on it even after a swap.
 */
public final class ServedModel {
    private static final long BORROW_TIMEOUT_MS = 10_000;

    private final SnapshotManifest manifest;
    private final int inputs;
    private final int outputs;
    private final int copies;
    private final BlockingQueue<ServingNetwork> pool;
    private final byte[] onnx;
    private final String platform;
    private volatile boolean retired;

    private ServedModel(SnapshotManifest manifest, ServingNetwork network, int copies) {
        this.manifest = Objects.requireNonNull(manifest, "manifest");
        this.inputs = network.inputs();
        this.outputs = network.outputs();
        this.copies = copies;
        this.pool = new ArrayBlockingQueue<>(copies);
        this.onnx = network.onnx();
        this.platform = network.platform();
        pool.add(network);
        for (int i = 1; i < copies; i++) {
            pool.add(network.copy());
        }
    }

    /**
     * Builds the pool: the network itself and {@code copies - 1} copies of it (done before a swap, on the
     * caller's thread).
     */
    public static ServedModel of(SnapshotManifest manifest, ServingNetwork network, int copies) {
        if (copies < 1) {
            throw new IllegalArgumentException("copies must be >= 1, was " + copies);
        }
        return new ServedModel(manifest, network, copies);
    }

    /**
     * Logits of each row, computed on a borrowed copy.
     *
     * @param rows n &gt; 0 rows of {@link #inputs()} finite values (checked by the caller)
     * @throws RejectedExecutionException when no copy became free within 10 s
     * @throws InterruptedException when interrupted while waiting for a copy
     */
    public float[][] logits(float[][] rows) throws InterruptedException {
        return onCopy(network -> network.logits(rows));
    }

    /**
     * Logits of {@code rows} rows held in one row-major array ({@link io.distillery.model.Predictor#logits(float[],
     * int)}), computed on a borrowed copy.
     *
     * @param values at least rows × {@link #inputs()} finite values (checked by the caller)
     * @throws RejectedExecutionException when no copy became free within 10 s
     * @throws InterruptedException when interrupted while waiting for a copy
     */
    public float[][] logits(float[] values, int rows) throws InterruptedException {
        return onCopy(network -> network.logits(values, rows));
    }

    private float[][] onCopy(Function<ServingNetwork, float[][]> work) throws InterruptedException {
        // a retired model gets no copies back: a request that still holds it must not wait for one
        ServingNetwork network = retired ? pool.poll() : pool.poll(BORROW_TIMEOUT_MS, TimeUnit.MILLISECONDS);
        if (network == null && retired) {
            throw new RejectedExecutionException("version " + version() + " was retired while the request began");
        }
        if (network == null) {
            throw new RejectedExecutionException("all " + copies + " copies of version " + version() + " stayed busy");
        }
        try {
            return work.apply(network);
        } finally {
            giveBack(network);
        }
    }

    private synchronized void giveBack(ServingNetwork network) {
        if (retired) {
            network.close();
        } else {
            pool.add(network);
        }
    }

    /**
     * No longer held: closes every copy now idle, and each busy one when its request gives it back (an
     * ONNX Runtime session holds its weights in native memory until closed). Idempotent.
     */
    public synchronized void retire() {
        retired = true;
        for (ServingNetwork n = pool.poll(); n != null; n = pool.poll()) {
            n.close();
        }
    }

    /** Whether {@link #retire()} was called: the model takes no new request. */
    public boolean retired() {
        return retired;
    }

    /** The served network as a verified ONNX graph, or {@code null} when its loader has none. */
    public byte[] onnx() {
        return onnx == null ? null : onnx.clone();
    }

    /** What computes its answers ({@link ServingNetwork#platform()}). */
    public String platform() {
        return platform;
    }

    public long version() {
        return manifest.version();
    }

    public SnapshotManifest manifest() {
        return manifest;
    }

    public int inputs() {
        return inputs;
    }

    public int outputs() {
        return outputs;
    }

    public int copies() {
        return copies;
    }

    @Override
    public String toString() {
        return "ServedModel[" + manifest.id() + " v" + version() + ", " + copies + " copies]";
    }
}
