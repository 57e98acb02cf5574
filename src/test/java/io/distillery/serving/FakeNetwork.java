package io.distillery.serving;

import io.distillery.snapshot.Rejection;
import io.distillery.snapshot.Snapshot;
import io.distillery.snapshot.SnapshotException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;

/**
 * A stand-in network whose first logit is its snapshot version, so a test can tell which model
 * computed an answer; logit j &gt; 0 is j times the row sum. It fails loudly when two threads use the
 * same instance at once. Model bytes are the text {@code fake:<mode>}; see {@link #LOADER}.
 */
final class FakeNetwork implements ServingNetwork {
    /**
     * Loads {@code fake:ok}, {@code fake:nan} (non-finite logits), {@code fake:throws} (fails every call,
     * so the swap's test prediction rejects it), {@code fake:throws-on-input} (passes the all-zero test
     * prediction, fails on any row with a non-zero value: a served model that breaks), {@code fake:error-on-input}
     * (the same, with an {@link Error} instead of an exception); else LOAD_FAILED.
     */
    static final ModelLoader LOADER = FakeNetwork::load;
    /** The message of the failure of a {@code throws-on-input} network: internal detail, never for clients. */
    static final String FAILURE_DETAIL = "weights buffer at 0x7f00 freed";

    private final long version;
    private final int inputs;
    private final int outputs;
    private final String mode;
    private final long workNanos;
    private final AtomicBoolean busy = new AtomicBoolean();

    FakeNetwork(long version, int inputs, int outputs, String mode, long workNanos) {
        this.version = version;
        this.inputs = inputs;
        this.outputs = outputs;
        this.mode = mode;
        this.workNanos = workNanos;
    }

    static byte[] bytes(String mode) {
        return ("fake:" + mode).getBytes(StandardCharsets.US_ASCII);
    }

    private static ServingNetwork load(Snapshot s) throws SnapshotException {
        String text = new String(s.modelBytes(), StandardCharsets.US_ASCII);
        if (!text.startsWith("fake:")) {
            throw new SnapshotException(Rejection.LOAD_FAILED, "not a fake network");
        }
        String mode = text.substring(5);
        if (mode.equals("unloadable")) {
            throw new IllegalArgumentException("cannot deserialize");
        }
        long work = mode.equals("slow") ? 50_000 : 0;
        return new FakeNetwork(s.manifest().version(), s.manifest().inputs(), s.manifest().outputs(), mode, work);
    }

    @Override
    public int inputs() {
        return inputs;
    }

    @Override
    public int outputs() {
        return outputs;
    }

    @Override
    public String platform() {
        return "fake_" + mode;
    }

    @Override
    public float[][] logits(float[][] rows) {
        if (!busy.compareAndSet(false, true)) {
            throw new IllegalStateException("network used by two threads at once");
        }
        try {
            if (mode.equals("throws")) {
                throw new IllegalStateException("broken network");
            }
            if (mode.equals("throws-on-input") && hasNonZero(rows)) {
                throw new IllegalStateException(FAILURE_DETAIL);
            }
            if (mode.equals("error-on-input") && hasNonZero(rows)) {
                throw new LinkageError(FAILURE_DETAIL);
            }
            if (workNanos > 0) {
                LockSupport.parkNanos(workNanos);
            }
            float[][] out = new float[rows.length][outputs];
            for (int i = 0; i < rows.length; i++) {
                float sum = 0;
                for (float v : rows[i]) {
                    sum += v;
                }
                out[i][0] = mode.equals("nan") ? Float.NaN : version;
                for (int j = 1; j < outputs; j++) {
                    out[i][j] = j * sum;
                }
            }
            return out;
        } finally {
            busy.set(false);
        }
    }

    private static boolean hasNonZero(float[][] rows) {
        for (float[] row : rows) {
            for (float v : row) {
                if (v != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    @Override
    public ServingNetwork copy() {
        return new FakeNetwork(version, inputs, outputs, mode, workNanos);
    }
}
