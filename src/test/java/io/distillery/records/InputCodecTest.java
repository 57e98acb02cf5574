package io.distillery.records;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.DataSettings;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class InputCodecTest {
    private final InputCodec codec = new InputCodec(new DataSettings(3, 4, 200));

    private Decoded decode(String json) {
        return codec.decode(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldRoundTripLabeledAndUnlabeledRecords() {
        InputRecord labeled = new InputRecord("r-1", 1732280000000L, new float[] {0f, 0.12f, -3.5f}, 3);
        InputRecord unlabeled = labeled.unlabeled();
        assertThat(codec.decode(codec.encode(labeled)).record()).isEqualTo(labeled);
        assertThat(codec.decode(codec.encode(unlabeled)).record()).isEqualTo(unlabeled);
        assertThat(new String(codec.encode(unlabeled), StandardCharsets.UTF_8)).doesNotContain("label");
    }

    @Test
    void shouldAcceptNullLabelAndIgnoreUnknownFields() {
        Decoded d = decode("{\"id\":\"a\",\"ts\":5,\"features\":[1,2,3],\"label\":null,\"extra\":{\"x\":[1]}}");
        assertThat(d.valid()).isTrue();
        assertThat(d.record().labeled()).isFalse();
        assertThat(d.record().ts()).isEqualTo(5);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "MALFORMED_JSON | {\"id\":\"a\",\"features\":[1,2,3]",
        "MALFORMED_JSON | [1,2,3]",
        "MALFORMED_JSON | {\"id\":\"a\",\"features\":[1,\"x\",3]}",
        "MALFORMED_JSON | {\"id\":\"a\",\"features\":7}",
        "MALFORMED_JSON | {\"id\":\"a\",\"features\":[1,2,3]} trailing",
        "MISSING_ID | {\"features\":[1,2,3],\"label\":1}",
        "MISSING_ID | {\"id\":\"  \",\"features\":[1,2,3]}",
        "FEATURE_COUNT | {\"id\":\"a\",\"features\":[1,2]}",
        "FEATURE_COUNT | {\"id\":\"a\",\"features\":[1,2,3,4]}",
        "FEATURE_COUNT | {\"id\":\"a\"}",
        "NON_FINITE | {\"id\":\"a\",\"features\":[1,NaN,3]}",
        "NON_FINITE | {\"id\":\"a\",\"features\":[1,2,1e39]}",
        "NON_FINITE | {\"id\":\"a\",\"features\":[-Infinity,2,3]}",
        "LABEL_OUT_OF_RANGE | {\"id\":\"a\",\"features\":[1,2,3],\"label\":4}",
        "LABEL_OUT_OF_RANGE | {\"id\":\"a\",\"features\":[1,2,3],\"label\":-1}",
        "LABEL_OUT_OF_RANGE | {\"id\":\"a\",\"features\":[1,2,3],\"label\":\"cat\"}",
    })
    void shouldRejectBadRecordWithItsReason(RejectReason reason, String json) {
        Decoded d = decode(json);
        assertThat(d.valid()).isFalse();
        assertThat(d.reason()).isEqualTo(reason);
        assertThat(d.detail()).isNotBlank();
    }

    @Test
    void shouldRejectOversizedPayloadBeforeParsing() {
        Decoded d = decode("{\"id\":\"a\",\"features\":[1,2,3],\"pad\":\"" + "x".repeat(300) + "\"}");
        assertThat(d.reason()).isEqualTo(RejectReason.OVERSIZED);
        assertThat(d.detail()).contains("data.max.record.bytes=200");
    }

    @Test
    void shouldRejectEmptyAndNullPayloads() {
        assertThat(codec.decode(new byte[0]).reason()).isEqualTo(RejectReason.MALFORMED_JSON);
        assertThat(codec.decode(null).reason()).isEqualTo(RejectReason.MALFORMED_JSON);
    }

    @Test
    void shouldWriteNonFiniteAsBareTokenSoItIsNamedNonFinite() {
        byte[] json = codec.encode(new InputRecord("a", 0, new float[] {Float.NaN, 1, 2}, 0));
        assertThat(codec.decode(json).reason()).isEqualTo(RejectReason.NON_FINITE);
    }

    @Test
    void shouldRejectAnEventTimeFurtherAheadOfTheClockThanTheBoundOrNegative() {
        InputCodec atMillion = new InputCodec(new DataSettings(3, 4, 200, 5_000),
            Clock.fixed(Instant.ofEpochMilli(1_000_000), ZoneOffset.UTC));
        String row = "{\"id\":\"a\",\"features\":[1,2,3],\"ts\":";
        assertThat(atMillion.decode((row + "1005000}").getBytes(StandardCharsets.UTF_8)).valid()).isTrue();
        Decoded ahead = atMillion.decode((row + "1005001}").getBytes(StandardCharsets.UTF_8));
        assertThat(ahead.reason()).isEqualTo(RejectReason.FUTURE_EVENT_TIME);
        assertThat(ahead.detail()).contains("data.max.future.ms=5000");
        assertThat(atMillion.decode((row + "-1}").getBytes(StandardCharsets.UTF_8)).reason())
            .isEqualTo(RejectReason.VALUE_OUT_OF_RANGE);
    }

    @Test
    void shouldRoundTripReasonTags() {
        for (RejectReason r : RejectReason.values()) {
            assertThat(RejectReason.ofTag(r.tag())).isEqualTo(r);
        }
        assertThat(RejectReason.LABEL_OUT_OF_RANGE.tag()).isEqualTo("label-out-of-range");
    }
}
