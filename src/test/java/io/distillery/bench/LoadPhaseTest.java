package io.distillery.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

class LoadPhaseTest {
    private static LoadPhase.Result phase(long errors, double seconds, long... nanos) {
        return LoadPhase.Result.of(nanos.clone(), errors, seconds);
    }

    @Test
    void shouldPoolPhasesAsOneDistribution() {
        // 100 fast requests in one phase, 100 in another whose slowest two are a stall
        long[] quiet = LongStream.rangeClosed(1, 100).map(i -> i * 1_000).toArray();
        long[] stalled = LongStream.rangeClosed(1, 100).map(i -> i <= 98 ? i * 1_000 : 50_000_000).toArray();

        LoadPhase.Result pooled = LoadPhase.Result.pooled(List.of(phase(1, 8, quiet), phase(2, 8, stalled)));

        assertThat(pooled.requests()).isEqualTo(200);
        assertThat(pooled.errors()).isEqualTo(3);
        assertThat(pooled.seconds()).isEqualTo(16);
        assertThat(pooled.requestsPerSecond()).isEqualTo(12.5);
        // nearest rank: the 198th of 200, the slowest request outside the stall
        assertThat(pooled.latencies().p99Nanos()).isEqualTo(100_000);
        assertThat(pooled.latencies().maxNanos()).isEqualTo(50_000_000);
        assertThat(pooled.nanos()).hasSize(200).isSorted();
        // alone, the stalled phase's p99 is the stall
        assertThat(phase(0, 8, stalled).latencies().p99Nanos()).isEqualTo(50_000_000);
    }

    @Test
    void shouldPoolOnePhaseAsItself() {
        LoadPhase.Result one = phase(0, 8, 5_000, 1_000, 3_000);

        LoadPhase.Result pooled = LoadPhase.Result.pooled(List.of(one));

        assertThat(pooled.latencies()).isEqualTo(one.latencies());
        assertThat(pooled.requests()).isEqualTo(3);
    }
}
