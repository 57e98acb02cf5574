package io.distillery.student;

import io.distillery.inference.Engine;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.model.ReplayBuffer;
import io.distillery.modelstore.FollowedModel;
import java.util.ArrayList;
import java.util.List;

/**
 * The student's replay of past records. Each replayed record's soft targets are those of the newest
 * teacher snapshot: targets computed by an older teacher are recomputed first (and kept), so replay
 * teaches what the current teacher knows rather than what a cold teacher said when the record arrived.
 *
 * <p>Threading: used by the student's loop thread only; it keeps its own predictor of the followed teacher on
 * the configured engine.
 */
final class Replay {
    private final ReplayBuffer buffer;
    private final FollowedModel teacher;
    private final int batchSize;
    private long copiedVersion = Long.MIN_VALUE;
    private final Engine engine;
    private Predictor teacherCopy;

    /** @param engine the engine of the soft-target refresh */
    Replay(ReplayBuffer buffer, FollowedModel teacher, int batchSize, Engine engine) {
        this.buffer = buffer;
        this.teacher = teacher;
        this.batchSize = batchSize;
        this.engine = engine;
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

    /** Whether there is anything to replay. */
    boolean isEmpty() {
        return buffer.size() == 0;
    }

    /** One replay step of {@code student}; returns its loss. */
    double step(Network student) {
        ReplayBuffer.Batch b = buffer.sample(batchSize);
        FollowedModel.Current now = teacher.current();
        if (now != null) {
            refresh(b, now);
        }
        return student.fitDistill(b.x(), b.logits(), b.labels());
    }

    private void refresh(ReplayBuffer.Batch b, FollowedModel.Current now) {
        if (now.version() != copiedVersion) {
            close();
            teacherCopy = now.checked().open(engine);
            copiedVersion = now.version();
        }
        List<Integer> stale = new ArrayList<>();
        for (int i = 0; i < b.size(); i++) {
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
        for (int k = 0; k < sx.length; k++) {
            int i = stale.get(k);
            b.logits()[i] = fresh[k];
            buffer.refresh(b.slots()[i], fresh[k], now.version());
        }
    }
}
