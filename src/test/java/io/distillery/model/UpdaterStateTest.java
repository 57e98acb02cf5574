package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.spec.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class UpdaterStateTest {
    private static final NetworkSpec SPEC = new NetworkSpec(6, List.of(5), 3, "relu", "adam", 1e-2, 1);
    private static final float[][] X = {{1, 0, 0.5f, 0, 0, 0.25f}, {0, 1, 0, 0.5f, 0, 0}};
    private static final int[] Y = {0, 2};

    @Test
    void shouldZeroTinyAndSubnormalStateAndKeepTheRest() {
        Network n = Network.teacher(SPEC);
        n.fitHard(X, Y);
        INDArray state = state(n);
        state.putScalar(0, 3e-39f); // subnormal
        state.putScalar(1, -2e-31f);
        state.putScalar(2, 2e-30f);
        state.putScalar(3, -0.125f);

        UpdaterState.flushTiny(n.dl4j());

        assertThat(state.getFloat(0)).isZero();
        assertThat(state.getFloat(1)).isZero();
        assertThat(state.getFloat(2)).isEqualTo(2e-30f);
        assertThat(state.getFloat(3)).isEqualTo(-0.125f);
    }

    @Test
    void shouldFlushEveryFlushEverySteps() {
        Network n = Network.teacher(SPEC);
        for (int s = 1; s < UpdaterState.FLUSH_EVERY; s++) {
            n.fitHard(X, Y);
        }
        state(n).putScalar(0, 1e-40f);
        n.fitHard(X, Y); // step FLUSH_EVERY - 1 -> FLUSH_EVERY: flushed after the step
        assertThat(n.steps()).isEqualTo(UpdaterState.FLUSH_EVERY);
        assertThat(subnormals(state(n))).isZero();

        state(n).putScalar(0, 1e-40f);
        n.fitHard(X, Y); // not a multiple: left as it is (Adam decays it further, still subnormal or zero)
        assertThat(Math.abs(state(n).getFloat(0))).isLessThan(Float.MIN_NORMAL);
    }

    @Test
    void shouldNotChangeTrainingBeyondTheFlushedValues() {
        // feature 4 is non-zero for 10 steps, then always zero: the moments of its weights decay towards zero
        float[][] first = {{1, 0, 0.5f, 0, 1, 0.25f}, {0, 1, 0, 0.5f, 1, 0}};
        Network flushed = Network.teacher(SPEC);
        Network kept = flushed.copy();
        kept.flushTinyEvery(0);
        for (int s = 0; s < 900; s++) {
            float[][] x = s < 10 ? first : X;
            flushed.fitHard(x, Y);
            kept.fitHard(x, Y);
        }

        assertThat(tinyOrSubnormal(state(kept))).as("decayed moments left in place").isPositive();
        assertThat(subnormals(state(flushed))).as("none subnormal where flushed").isZero();
        float[][] a = flushed.logits(X);
        float[][] b = kept.logits(X);
        for (int r = 0; r < a.length; r++) {
            for (int k = 0; k < a[r].length; k++) {
                assertThat(a[r][k]).isCloseTo(b[r][k], org.assertj.core.data.Offset.offset(1e-5f));
            }
        }
    }

    @Test
    void shouldRefuseANegativePeriod() {
        Network n = Network.teacher(SPEC);
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> n.flushTinyEvery(-1))
            .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    }

    private static INDArray state(Network n) {
        return n.dl4j().getUpdater(false).getStateViewArray();
    }

    private static int tinyOrSubnormal(INDArray state) {
        return count(state, v -> v != 0 && Math.abs(v) < UpdaterState.TINY);
    }

    private static int subnormals(INDArray state) {
        return count(state, v -> v != 0 && Math.abs(v) < Float.MIN_NORMAL);
    }

    private static int count(INDArray state, java.util.function.DoublePredicate which) {
        int count = 0;
        for (float v : state.data().asFloat()) {
            if (which.test(v)) {
                count++;
            }
        }
        return count;
    }
}
