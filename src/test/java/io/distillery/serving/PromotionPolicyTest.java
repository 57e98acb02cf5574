package io.distillery.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.serving.PromotionPolicy.Action;
import io.distillery.serving.PromotionPolicy.Lineup;
import org.junit.jupiter.api.Test;

class PromotionPolicyTest {
    private static final int ROWS = 100;
    private final PromotionPolicy policy = new PromotionPolicy(ROWS, 0.02, 0.05);
    private final RowWindow window = new RowWindow(ROWS);

    /** {@code rows} rows scored on both versions; the first {@code hitsA} are hits of a, the first hitsB of b. */
    private void score(long a, long b, int rows, int hitsA, int hitsB) {
        for (int r = 0; r < rows; r++) {
            window.add(new long[] {a, b}, new boolean[] {r < hitsA, r < hitsB});
        }
    }

    @Test
    void shouldWaitUntilTheCandidateAndTheServedVersionShareTheConfiguredRows() {
        score(2, 1, ROWS - 1, 0, 99);

        assertThat(policy.decide(new Lineup(1, -1, 2, false), window).action()).isEqualTo(Action.NONE);
    }

    @Test
    void shouldPromoteACandidateWithinTheToleranceAndRefuseOneBeyondIt() {
        score(2, 1, ROWS, 88, 90);
        assertThat(policy.decide(new Lineup(1, -1, 2, false), window).action()).isEqualTo(Action.PROMOTE);

        score(3, 1, ROWS, 87, 90);
        PromotionPolicy.Decision refused = policy.decide(new Lineup(1, -1, 3, false), window);
        assertThat(refused.action()).isEqualTo(Action.REFUSE);
        assertThat(refused.version()).isEqualTo(3);
        assertThat(refused.reason()).contains("100 rows", "candidate version 3 0.8700", "served version 1 0.9000",
            "tolerance 0.02");
    }

    @Test
    void shouldCompareOnlyTheRowsBothVersionsScored() {
        for (int r = 0; r < ROWS; r++) {
            window.add(new long[] {1}, new boolean[] {false});
        }
        score(2, 1, ROWS, 90, 90);

        assertThat(window.compare(2, 1)).isEqualTo(new RowWindow.Comparison(ROWS, 90, 90));
        assertThat(policy.decide(new Lineup(1, -1, 2, false), window).action()).isEqualTo(Action.PROMOTE);
    }

    @Test
    void shouldRollBackWhenTheServedVersionFallsBelowThePreviousByMoreThanTheThreshold() {
        score(2, 1, ROWS, 85, 90);
        assertThat(policy.decide(new Lineup(2, 1, -1, false), window).action()).isEqualTo(Action.NONE);

        score(2, 1, ROWS, 84, 90);
        PromotionPolicy.Decision d = policy.decide(new Lineup(2, 1, -1, false), window);
        assertThat(d.action()).isEqualTo(Action.ROLL_BACK);
        assertThat(d.version()).isEqualTo(2);
    }

    @Test
    void shouldDecideNothingWhileAnOperatorPins() {
        score(2, 1, ROWS, 0, 90);

        assertThat(policy.decide(new Lineup(2, 1, -1, true), window).action()).isEqualTo(Action.NONE);
        assertThat(policy.decide(new Lineup(1, -1, 2, true), window).action()).isEqualTo(Action.NONE);
    }

    @Test
    void shouldForgetRowsOlderThanTheWindow() {
        score(2, 1, ROWS, 0, ROWS);
        score(3, 1, ROWS, ROWS, ROWS);

        assertThat(window.compare(2, 1).rows()).isZero();
        assertThat(window.score(1)).isEqualTo(1.0);
        assertThat(window.score(4)).isNaN();
    }
}
