package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ReplayBufferTest {
    private static float[] row(int i) {
        return new float[] {i};
    }

    @Test
    void shouldNeverHoldMoreThanItsCapacity() {
        ReplayBuffer b = new ReplayBuffer(100, false, 1);
        for (int i = 0; i < 10_000; i++) {
            b.add(row(i), i % 3, null);
            assertThat(b.size()).isLessThanOrEqualTo(100);
        }
        assertThat(b.size()).isEqualTo(100);
        assertThat(b.seen()).isEqualTo(10_000);
    }

    @Test
    void shouldKeepAUniformSampleOfTheWholeStream() {
        ReplayBuffer b = new ReplayBuffer(1000, false, 7);
        for (int i = 0; i < 100_000; i++) {
            b.add(row(i), 0, null);
        }
        ReplayBuffer.Batch all = b.sample(20_000);
        long early = 0;
        for (float[] x : all.x()) {
            early += x[0] < 50_000 ? 1 : 0;
        }
        // a reservoir keeps old and new alike: about half of what it holds came from the first half
        assertThat(early / 20_000.0).isBetween(0.42, 0.58);
    }

    @Test
    void shouldSampleOnlyHeldRecordsWithTheirLabelsAndLogits() {
        ReplayBuffer b = new ReplayBuffer(10, true, 3);
        for (int i = 0; i < 5; i++) {
            b.add(row(i), i, new float[] {i, -i}, 9);
        }
        ReplayBuffer.Batch s = b.sample(200);
        Set<Integer> seen = new HashSet<>();
        for (int i = 0; i < s.size(); i++) {
            int v = (int) s.x()[i][0];
            seen.add(v);
            assertThat(s.labels()[i]).isEqualTo(v);
            assertThat(s.logits()[i]).containsExactly(v, -v);
            assertThat(b.logitsVersion(s.slots()[i])).isEqualTo(9);
        }
        assertThat(seen).containsExactlyInAnyOrder(0, 1, 2, 3, 4);
        assertThat(new ReplayBuffer(4, false, 1).sample(8).size()).isZero();
    }

    @Test
    void shouldBeReproducibleFromItsSeed() {
        ReplayBuffer a = new ReplayBuffer(50, false, 11);
        ReplayBuffer c = new ReplayBuffer(50, false, 11);
        for (int i = 0; i < 5000; i++) {
            a.add(row(i), 0, null);
            c.add(row(i), 0, null);
        }
        assertThat(a.sample(64).x()).isDeepEqualTo(c.sample(64).x());
    }

    @Test
    void shouldFlushTheOldestShareAndRefreshLogits() {
        ReplayBuffer b = new ReplayBuffer(100, true, 5);
        for (int i = 0; i < 100; i++) {
            b.add(row(i), 0, new float[] {0}, 1);
        }
        assertThat(b.flushOldest(0.3)).isEqualTo(30);
        assertThat(b.size()).isEqualTo(70);
        ReplayBuffer.Batch s = b.sample(1000);
        for (float[] x : s.x()) {
            assertThat(x[0]).isGreaterThanOrEqualTo(30);
        }
        b.refresh(s.slots()[0], new float[] {5}, 2);
        assertThat(b.logitsVersion(s.slots()[0])).isEqualTo(2);
        assertThatThrownBy(() -> b.flushOldest(1.5)).hasMessageContaining("must be in [0, 1]");
        assertThatThrownBy(() -> new ReplayBuffer(0, false, 1)).hasMessage("replay buffer capacity must be > 0, was 0");
    }
}
