package io.distillery.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

class EvalCodecTest {
    private static final EvalMessage EVAL = new EvalMessage("r-000123-é", 1_732_280_000_000L, 7, 12, 3, 3, 5, 0.125);

    @Test
    void shouldRoundTripEveryField() {
        assertThat(EvalCodec.decode(EvalCodec.encode(EVAL))).isEqualTo(EVAL);
        EvalMessage unlabeled = new EvalMessage("x", 0, 0, 0, EvalMessage.UNLABELED, 0, 9, 0);
        assertThat(EvalCodec.decode(EvalCodec.encode(unlabeled))).isEqualTo(unlabeled);
    }

    @Test
    void shouldStartWithVersionOneAndStayCompact() {
        byte[] bytes = EvalCodec.encode(EVAL);
        assertThat(bytes[0]).isEqualTo((byte) 1);
        assertThat(bytes).hasSize(47 + "r-000123-é".getBytes(java.nio.charset.StandardCharsets.UTF_8).length);
    }

    @Test
    void shouldRejectUnknownVersionNamingIt() {
        byte[] bytes = EvalCodec.encode(EVAL);
        bytes[0] = 2;
        assertThatThrownBy(() -> EvalCodec.decode(bytes)).isInstanceOf(IllegalArgumentException.class)
            .hasMessage("unknown eval message format version 2");
    }

    @Test
    void shouldRejectTruncatedBytesThroughTheSerdeAsSerializationException() {
        byte[] bytes = EvalCodec.encode(EVAL);
        byte[] cut = java.util.Arrays.copyOf(bytes, bytes.length - 3);
        try (EvalSerde serde = new EvalSerde()) {
            assertThat(serde.deserializer().deserialize("t", bytes)).isEqualTo(EVAL);
            assertThat(serde.deserializer().deserialize("t", null)).isNull();
            assertThatThrownBy(() -> serde.deserializer().deserialize("t", cut))
                .isInstanceOf(SerializationException.class).hasMessageContaining("truncated");
        }
    }

    @Test
    void shouldRejectLabelBelowMinusOne() {
        assertThatThrownBy(() -> new EvalMessage("x", 0, 0, 0, -2, 0, 0, 0))
            .hasMessage("label must be >= -1, was -2");
    }
}
