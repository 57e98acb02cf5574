package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.config.DataSettings;
import io.distillery.records.InputCodec;
import io.distillery.records.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileSourceTest {
    @TempDir
    Path dir;

    private final InputCodec codec = new InputCodec(new DataSettings(2, 3, 1024));

    private List<RecordSource.Item> readAll(Path file) throws Exception {
        List<RecordSource.Item> out = new ArrayList<>();
        try (FileSource s = new FileSource(file, FileSource.formatOf(file), codec, Clock.systemUTC())) {
            for (RecordSource.Item i = s.next(); i != null; i = s.next()) {
                out.add(i);
            }
        }
        return out;
    }

    @Test
    void shouldReadJsonLinesWithLineNumbersSkippingBlanks() throws Exception {
        Path f = dir.resolve("in.jsonl");
        Files.writeString(f, "{\"id\":\"a\",\"features\":[1,2],\"label\":1}\n\n{\"id\":\"b\",\"features\":[1]}\nnot json\n");
        List<RecordSource.Item> items = readAll(f);
        assertThat(items).extracting(RecordSource.Item::position).containsExactly(1L, 3L, 4L);
        assertThat(codec.decode(items.get(0).raw()).record().label()).isEqualTo(1);
        assertThat(codec.decode(items.get(1).raw()).reason()).isEqualTo(RejectReason.FEATURE_COUNT);
        assertThat(codec.decode(items.get(2).raw()).reason()).isEqualTo(RejectReason.MALFORMED_JSON);
    }

    @Test
    void shouldReadCsvWithHeaderEmptyLabelAndFlagBadRows() throws Exception {
        Path f = dir.resolve("in.csv");
        Files.writeString(f, "id,label,f1,f2\nr1,2,0.5,1.5\nr2,,1,2\nr3,1,x,2\nr4,7,1,2\n");
        List<RecordSource.Item> items = readAll(f);
        assertThat(items).hasSize(4);
        assertThat(codec.decode(items.get(0).raw()).record().label()).isEqualTo(2);
        assertThat(codec.decode(items.get(1).raw()).record().labeled()).isFalse();
        assertThat(items.get(2).rejectDetail()).contains("line 4");
        assertThat(new String(items.get(2).raw(), StandardCharsets.UTF_8)).isEqualTo("r3,1,x,2");
        assertThat(codec.decode(items.get(3).raw()).reason()).isEqualTo(RejectReason.LABEL_OUT_OF_RANGE);
    }

    @Test
    void shouldRefuseUnknownExtension() {
        assertThatThrownBy(() -> FileSource.formatOf(Path.of("x.parquet"))).hasMessageContaining(".jsonl or .csv");
    }
}
