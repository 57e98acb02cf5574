package io.distillery.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class StormTraceTest {
    private static final long MS = 1_000_000;

    @Test
    void shouldGroupSlowRequestsSentWhileTheEpisodeLastsAndSplitAtAGap() {
        List<long[]> episodes = StormTrace.episodes(List.of(
            new long[] {10 * MS, 14 * MS},     // first episode
            new long[] {0, 9 * MS},            // given out of order: sorted by send time
            new long[] {15 * MS, 16 * MS},     // sent 1 ms after the latest answer (14): same episode
            new long[] {100 * MS, 103 * MS},   // 84 ms later: a new one
            new long[] {105 * MS, 106 * MS})); // sent exactly 2 ms after 103: not less, so a third
        assertThat(episodes).hasSize(3);
        assertThat(episodes.get(0)).containsExactly(0, 16 * MS, 3, 9 * MS);
        assertThat(episodes.get(1)).containsExactly(100 * MS, 103 * MS, 1, 3 * MS);
        assertThat(episodes.get(2)).containsExactly(105 * MS, 106 * MS, 1, MS);
    }

    @Test
    void shouldFindNoEpisodeWithoutSlowRequests() {
        assertThat(StormTrace.episodes(List.of())).isEmpty();
    }
}
