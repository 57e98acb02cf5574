package io.distillery.records;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.spec.DriftSignal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class FeedbackCodecTest {
    private static final FeedbackMessage WINDOW = new FeedbackMessage(10_000, 20_000, 40, 4, 0.25, 0.75, 0.5,
        Double.NaN, new double[] {1.0, Double.NaN, 0.5}, new long[] {10, 0, 30}, List.of());

    @Test
    void shouldRoundTripWindowReportWithNaNs() {
        FeedbackMessage back = FeedbackCodec.decode(FeedbackCodec.encode(WINDOW));
        assertThat(back).isEqualTo(WINDOW);
        assertThat(back.teacherAccuracy()).isNaN();
        assertThat(back.perClassAgreement()[1]).isNaN();
    }

    @Test
    void shouldRoundTripDriftReport() {
        FeedbackMessage drift = FeedbackMessage.drift(123_456, 3,
            List.of(new DriftSignal("ADWIN", DriftSignal.TEACHER_ERROR, 10_047, 123_456)));
        assertThat(FeedbackCodec.decode(FeedbackCodec.encode(drift))).isEqualTo(drift);
        assertThat(drift.isWindow()).isFalse();
        assertThat(WINDOW.isWindow()).isTrue();
    }

    @Test
    void shouldWriteReadableJsonWithVersionField() {
        String json = new String(FeedbackCodec.encode(WINDOW), StandardCharsets.UTF_8);
        assertThat(json).startsWith("{\"v\":1,").contains("\"teacherAccuracy\":null")
            .contains("\"perClassAgreement\":[1.0,null,0.5]");
    }

    @Test
    void shouldRejectUnknownVersionNamingIt() {
        String json = new String(FeedbackCodec.encode(WINDOW), StandardCharsets.UTF_8).replace("\"v\":1", "\"v\":2");
        assertThatThrownBy(() -> FeedbackCodec.decode(json.getBytes(StandardCharsets.UTF_8)))
            .isInstanceOf(IllegalArgumentException.class).hasMessage("unknown feedback message format version 2");
    }

    @Test
    void shouldKeepArraysImmutable() {
        double[] agreement = WINDOW.perClassAgreement();
        agreement[0] = 0;
        assertThat(WINDOW.perClassAgreement()[0]).isEqualTo(1.0);
    }

    @Test
    void shouldPassNullThroughTheSerde() {
        try (FeedbackSerde serde = new FeedbackSerde()) {
            assertThat(serde.serializer().serialize("t", null)).isNull();
            assertThat(serde.deserializer().deserialize("t", serde.serializer().serialize("t", WINDOW)))
                .isEqualTo(WINDOW);
        }
    }
}
