package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.records.InputRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Needs Debian's dataset-fashion-mnist (run-tests installs it). */
class FashionMnistTest {
    @Test
    void shouldLoadTestSplitScaledToUnitRange() throws IOException {
        Dataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.width()).isEqualTo(784);
        float max = 0;
        for (float[] row : test.x()) {
            for (float v : row) {
                assertThat(v).isBetween(0f, 1f);
                max = Math.max(max, v);
            }
        }
        assertThat(max).isEqualTo(1f);
        assertThat(Arrays.stream(test.y()).filter(y -> y == 9).count()).isEqualTo(1000);
    }

    @Test
    void shouldStreamEveryImageOnceInSeededOrder() throws IOException {
        Dataset test = FashionMnist.load(FashionMnist.DEFAULT_DIR, FashionMnist.Split.TEST);
        RecordSource a = FashionMnist.stream(test, FashionMnist.Split.TEST, 1, Clock.systemUTC());
        RecordSource b = FashionMnist.stream(test, FashionMnist.Split.TEST, 1, Clock.systemUTC());
        boolean[] seen = new boolean[test.size()];
        for (RecordSource.Item i = a.next(); i != null; i = a.next()) {
            InputRecord r = i.record();
            assertThat(b.next().record().id()).isEqualTo(r.id());
            int idx = Integer.parseInt(r.id().substring("fm-t10k-".length()));
            assertThat(seen[idx]).isFalse();
            seen[idx] = true;
            assertThat(r.label()).isEqualTo(test.y()[idx]);
        }
        assertThat(seen).doesNotContain(false);
        assertThat(FashionMnist.order(100, 1)).isNotEqualTo(FashionMnist.order(100, 2));
    }

    @Test
    void shouldSayHowToInstallWhenMissing() {
        assertThatThrownBy(() -> FashionMnist.load(Path.of("/nonexistent"), FashionMnist.Split.TRAIN))
            .hasMessageContaining("apt-get install -y dataset-fashion-mnist");
    }
}
