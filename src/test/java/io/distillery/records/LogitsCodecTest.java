package io.distillery.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class LogitsCodecTest {
    private final LogitsMessage message = new LogitsMessage("r-000123", 1_732_280_000_000L, 3, 42,
        new float[] {0f, 0.12f, -1.5f, Float.MIN_VALUE}, new float[] {1.5f, -2f, 0.25f});

    @Test
    void shouldRoundTripLabeledAndUnlabeledMessages() {
        assertThat(LogitsCodec.decode(LogitsCodec.encode(message))).isEqualTo(message);
        LogitsMessage unlabeled = new LogitsMessage("ü-id", 0, InputRecord.NO_LABEL, 0, new float[0], new float[] {1});
        assertThat(LogitsCodec.decode(LogitsCodec.encode(unlabeled))).isEqualTo(unlabeled);
        assertThat(unlabeled.labeled()).isFalse();
    }

    @Test
    void shouldRejectUnknownVersionByName() {
        byte[] bytes = LogitsCodec.encode(message);
        bytes[0] = 3;
        assertThatThrownBy(() -> LogitsCodec.decode(bytes)).hasMessage("unknown logits message format version 3");
    }

    @Test
    void shouldWriteAMessageWithoutHintInFormatOneAsBefore() {
        byte[] bytes = LogitsCodec.encode(message);

        assertThat(bytes[0]).isEqualTo(LogitsCodec.VERSION).isEqualTo((byte) 1);
        // version, id length and id, ts, teacher version, label, 4 features and 3 logits with their counts
        assertThat(bytes).hasSize(1 + 2 + 8 + 8 + 8 + 4 + 4 + 16 + 4 + 12);
        assertThat(LogitsCodec.decode(bytes).hasHint()).isFalse();
    }

    @Test
    void shouldRoundTripAHintInFormatTwo() {
        LogitsMessage hinted = new LogitsMessage(message.id(), message.ts(), message.label(), message.teacherVersion(),
            message.features(), message.logits(), new float[] {0.5f, 0f, 7.25f, -1f, 2f});

        byte[] bytes = LogitsCodec.encode(hinted);

        assertThat(bytes[0]).isEqualTo(LogitsCodec.VERSION_HINT).isEqualTo((byte) 2);
        assertThat(bytes).hasSize(LogitsCodec.encode(message).length + 4 + 20);
        assertThat(LogitsCodec.decode(bytes)).isEqualTo(hinted);
        assertThat(LogitsCodec.decode(bytes).hidden()).containsExactly(0.5f, 0f, 7.25f, -1f, 2f);
    }

    @Test
    void shouldRejectAFormatTwoMessageWithoutItsHint() {
        byte[] v1 = LogitsCodec.encode(message);
        byte[] noHint = Arrays.copyOf(v1, v1.length + 4);
        noHint[0] = LogitsCodec.VERSION_HINT;
        assertThatThrownBy(() -> LogitsCodec.decode(noHint)).hasMessageContaining("empty hint");
        byte[] truncated = v1.clone();
        truncated[0] = LogitsCodec.VERSION_HINT;
        assertThatThrownBy(() -> LogitsCodec.decode(truncated)).hasMessageContaining("truncated");
    }

    @Test
    void shouldRejectTruncatedTrailingAndEmptyBytes() {
        byte[] bytes = LogitsCodec.encode(message);
        assertThatThrownBy(() -> LogitsCodec.decode(Arrays.copyOf(bytes, bytes.length - 1)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> LogitsCodec.decode(Arrays.copyOf(bytes, bytes.length + 3)))
            .hasMessageContaining("3 trailing bytes");
        assertThatThrownBy(() -> LogitsCodec.decode(new byte[0])).hasMessage("logits message is empty");
        assertThatThrownBy(() -> LogitsCodec.decode(Arrays.copyOf(bytes, 12))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectAbsurdDeclaredWidthWithoutAllocatingIt() {
        byte[] bytes = LogitsCodec.encode(new LogitsMessage("a", 0, 0, 0, new float[0], new float[0]));
        // feature count sits after version(1) + id length(2) + id(1) + ts(8) + version(8) + label(4)
        bytes[24] = 0x7f;
        assertThatThrownBy(() -> LogitsCodec.decode(bytes)).hasMessageContaining("declares");
    }
}
