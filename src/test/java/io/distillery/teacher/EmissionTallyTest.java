package io.distillery.teacher;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.metrics.RoleMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class EmissionTallyTest {
    private final RoleMetrics metrics = new RoleMetrics();
    private final EmissionTally tally = new EmissionTally(metrics);

    @AfterEach
    void closeMetrics() {
        metrics.close();
    }

    @Test
    void shouldCountOnlyCommittedTransactions() {
        tally.labeled();
        tally.unlabeled(true);
        tally.unlabeled(false);
        tally.abort();
        tally.labeled();
        tally.unlabeled(true);
        tally.unlabeled(false);
        tally.unlabeled(false);
        tally.commit();
        tally.commit();
        assertThat(count("distill.logits.emitted", "kind", "labeled")).isEqualTo(1.0);
        assertThat(count("distill.logits.emitted", "kind", "unlabeled")).isEqualTo(1.0);
        assertThat(metrics.registry().get("distill.logits.skipped").tag("role", "teacher").counter().count())
            .isEqualTo(2.0);
    }

    private double count(String name, String tag, String value) {
        return metrics.registry().get(name).tags("role", "teacher", tag, value).counter().count();
    }
}
