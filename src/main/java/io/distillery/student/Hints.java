package io.distillery.student;

import io.distillery.config.HintSettings;
import io.distillery.model.HintProjection;
import io.distillery.model.Network;
import io.distillery.model.StepGuard;
import io.distillery.records.LogitsMessage;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The student's side of hints ({@code student.hint.weight > 0}): after the distillation step on a stream batch,
 * one {@link HintProjection} step on the batch's rows that carry the teacher's hidden layer. The projection is
 * made on the first hint, as wide as it is, and made anew when the teacher's hidden width changes (a new
 * teacher shape). Rows without a hint (messages of format 1) are left out; replayed records have none.
 *
 * <p>Not thread-safe: owned by the student's loop thread.
 */
final class Hints {
    private static final Logger LOG = LoggerFactory.getLogger(Hints.class);
    private final HintSettings settings;
    private HintProjection projection;

    Hints(HintSettings settings) {
        this.settings = settings;
    }

    /** One guarded hint step on the hinted rows of {@code batch} (features {@code x}), if hints are on. */
    void learn(Network student, StepGuard guard, List<LogitsMessage> batch, float[][] x) {
        if (!settings.enabled()) {
            return;
        }
        List<float[]> rows = new ArrayList<>();
        List<float[]> hints = new ArrayList<>();
        for (int i = 0; i < batch.size(); i++) {
            LogitsMessage m = batch.get(i);
            if (m.hasHint() && (hints.isEmpty() || m.hidden().length == hints.get(0).length)) {
                rows.add(x[i]);
                hints.add(m.hidden());
            }
        }
        if (hints.isEmpty()) {
            return;
        }
        int width = hints.get(0).length;
        if (projection == null || projection.teacherWidth() != width) {
            projection = HintProjection.of(student, width, settings.weight());
            LOG.info("student learns hints: a projection of its last hidden layer onto the teacher's {} values",
                width);
        }
        float[][] xs = rows.toArray(new float[0][]);
        float[][] hs = hints.toArray(new float[0][]);
        guard.step(student, s -> projection.step(s, xs, hs));
    }
}
