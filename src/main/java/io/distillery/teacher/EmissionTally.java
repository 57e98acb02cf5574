package io.distillery.teacher;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.micrometer.core.instrument.Counter;

/**
 * The emitter's logit counts for one transaction, published only when it commits, so records
 * processed again after an abort are counted once: {@code distill.logits.emitted{kind="labeled"}},
 * {@code {kind="unlabeled"}} and {@code distill.logits.skipped} (role {@code teacher}). Their ratio
 * measures what {@link EmissionPolicy} saves.
 *
 * <p>Threading: one per emitter thread; not thread-safe. The counters it adds to are shared.
 */
public final class EmissionTally {
    private final Counter labeledEmitted;
    private final Counter unlabeledEmitted;
    private final Counter unlabeledSkipped;
    private long labeled;
    private long unlabeled;
    private long skipped;

    public EmissionTally(RoleMetrics metrics) {
        this.labeledEmitted = metrics.counter(Metrics.LOGITS_EMITTED, EmissionPolicy.ROLE, "labeled");
        this.unlabeledEmitted = metrics.counter(Metrics.LOGITS_EMITTED, EmissionPolicy.ROLE, "unlabeled");
        this.unlabeledSkipped = metrics.counter(Metrics.LOGITS_SKIPPED, EmissionPolicy.ROLE);
    }

    /** A labeled record got logits. */
    public void labeled() {
        labeled++;
    }

    /** An unlabeled record got logits ({@code emitted}) or was skipped. */
    public void unlabeled(boolean emitted) {
        if (emitted) {
            unlabeled++;
        } else {
            skipped++;
        }
    }

    /** The transaction committed: adds the pending counts to the counters and starts over. */
    public void commit() {
        labeledEmitted.increment(labeled);
        unlabeledEmitted.increment(unlabeled);
        unlabeledSkipped.increment(skipped);
        abort();
    }

    /** The transaction aborted: forgets the pending counts. */
    public void abort() {
        labeled = 0;
        unlabeled = 0;
        skipped = 0;
    }
}
