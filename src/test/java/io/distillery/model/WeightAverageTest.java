package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.distillery.spec.NetworkSpec;
import java.util.List;
import org.junit.jupiter.api.Test;

class WeightAverageTest {
    private static final NetworkSpec SPEC = new NetworkSpec(8, List.of(16), 3, "relu", "adam", 1e-2, 7);
    private final SyntheticBlobs data = new SyntheticBlobs(64, 8, 3, 1);

    private static float[] weights(Network n) {
        return n.dl4j().params().dup().data().asFloat();
    }

    @Test
    void shouldMoveTheAverageByOneMinusDecayTowardTheLiveWeightsAfterEachStep() {
        Network live = Network.teacher(SPEC);
        WeightAverage average = new WeightAverage(0.9);
        average.update(live);
        assertThat(weights(average.emitted(live))).as("starts as a copy").containsExactly(weights(live));
        assertThat(average.emitted(live)).isNotSameAs(live);

        for (int step = 0; step < 120; step++) {
            float[] before = weights(average.emitted(live));
            live.fitHard(data.x, data.y);
            float[] now = weights(live);
            average.update(live);

            float d = (float) Math.min(0.9, (1.0 + live.steps()) / (10.0 + live.steps()));
            float[] after = weights(average.emitted(live));
            for (int i = 0; i < after.length; i++) {
                assertThat(after[i]).isCloseTo(d * before[i] + (1 - d) * now[i], within(1e-6f));
            }
            assertThat(average.emitted(live).steps()).isEqualTo(live.steps());
        }
    }

    @Test
    void shouldAverageEveryMemberOfAnEnsemble() {
        NetworkSpec other = new NetworkSpec(8, List.of(4), 3, "tanh", "adam", 1e-2, 8);
        Network live = Network.ensemble(List.of(SPEC, other));
        WeightAverage average = new WeightAverage(0.9);
        average.update(live);
        List<float[]> before = average.emitted(live).members().stream().map(WeightAverageTest::weights).toList();

        live.fitHard(data.x, data.y);
        average.update(live);

        float d = (float) Math.min(0.9, (1.0 + live.steps()) / (10.0 + live.steps()));
        List<Network> averaged = average.emitted(live).members();
        for (int m = 0; m < 2; m++) {
            float[] now = weights(live.members().get(m));
            float[] after = weights(averaged.get(m));
            assertThat(after).as("member %d moved", m).isNotEqualTo(before.get(m));
            for (int i = 0; i < after.length; i++) {
                assertThat(after[i]).isCloseTo(d * before.get(m)[i] + (1 - d) * now[i], within(1e-6f));
            }
        }
    }

    @Test
    void shouldAverageAYoungNetworkOverFewerSteps() {
        WeightAverage average = new WeightAverage(0.995);

        assertThat(average.effectiveDecay(0)).isCloseTo(0.1, within(1e-12));
        assertThat(average.effectiveDecay(8)).isCloseTo(0.5, within(1e-12));
        assertThat(average.effectiveDecay(890)).isCloseTo(0.99, within(1e-12));
        assertThat(average.effectiveDecay(1_790)).isEqualTo(0.995);
        assertThat(average.effectiveDecay(100_000)).isEqualTo(0.995);
    }

    @Test
    void shouldLeaveTheAverageAloneWhileTheLiveNetworkTrainsBetweenUpdates() {
        Network live = Network.teacher(SPEC);
        WeightAverage average = new WeightAverage(0.99);
        average.update(live);
        float[] before = weights(average.emitted(live));

        live.fitHard(data.x, data.y);

        assertThat(weights(average.emitted(live))).containsExactly(before);
        assertThat(weights(live)).isNotEqualTo(before);
    }

    @Test
    void shouldGoOnFromThePublishedAverageAfterARestart() {
        Network live = Network.teacher(SPEC);
        WeightAverage before = new WeightAverage(0.9);
        for (int step = 0; step < 30; step++) {
            live.fitHard(data.x, data.y);
            before.update(live);
        }
        Network published = Network.fromBytes(before.emitted(live).toBytes(false), false);
        Network restarted = Network.fromBytes(live.toBytes(true), true);
        WeightAverage after = new WeightAverage(0.9);
        after.resume(published);

        assertThat(weights(after.emitted(restarted))).as("the published average, not the live weights")
            .containsExactly(weights(before.emitted(live))).isNotEqualTo(weights(live));
        live.fitHard(data.x, data.y);
        before.update(live);
        restarted.fitHard(data.x, data.y);
        after.update(restarted);
        assertThat(weights(after.emitted(restarted))).as("the average goes on as if the role had not stopped")
            .containsExactly(weights(before.emitted(live)));
    }

    @Test
    void shouldIgnoreAPublishedNetworkOnResumeWhenOff() {
        Network live = Network.teacher(SPEC);
        WeightAverage off = new WeightAverage(0);
        off.resume(Network.teacher(SPEC.withSeed(8)));

        assertThat(off.emitted(live)).isSameAs(live);
    }

    @Test
    void shouldEmitTheLiveNetworkWhenOff() {
        Network live = Network.teacher(SPEC);
        WeightAverage off = new WeightAverage(0);

        off.update(live);
        live.fitHard(data.x, data.y);
        off.update(live);

        assertThat(off.emitted(live)).isSameAs(live);
    }

    @Test
    void shouldRejectADecayOutsideZeroToOne() {
        assertThatThrownBy(() -> new WeightAverage(1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WeightAverage(-0.1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new WeightAverage(Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }
}
