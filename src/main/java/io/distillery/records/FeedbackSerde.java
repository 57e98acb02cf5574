package io.distillery.records;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Kafka serde of {@link FeedbackMessage} in the JSON format of {@link FeedbackCodec}; {@code null}
 * passes through as {@code null}. Bad bytes raise {@link SerializationException} with the codec's
 * reason. Thread-safe.
 */
public final class FeedbackSerde extends Serdes.WrapperSerde<FeedbackMessage> {
    public FeedbackSerde() {
        super((topic, m) -> m == null ? null : FeedbackCodec.encode(m), (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return FeedbackCodec.decode(bytes);
            } catch (IllegalArgumentException e) {
                throw new SerializationException("cannot read feedback from " + topic + ": " + e.getMessage(), e);
            }
        });
    }
}
