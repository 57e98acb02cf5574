package io.distillery.records;

import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Kafka serde of {@link EvalMessage} in the format of {@link EvalCodec}; {@code null} passes through
 * as {@code null}. Bad bytes raise {@link SerializationException} with the codec's reason. Thread-safe.
 */
public final class EvalSerde extends Serdes.WrapperSerde<EvalMessage> {
    public EvalSerde() {
        super((topic, m) -> m == null ? null : EvalCodec.encode(m), (topic, bytes) -> {
            if (bytes == null) {
                return null;
            }
            try {
                return EvalCodec.decode(bytes);
            } catch (IllegalArgumentException e) {
                throw new SerializationException("cannot read eval from " + topic + ": " + e.getMessage(), e);
            }
        });
    }
}
