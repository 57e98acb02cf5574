package io.distillery.feedback;

import io.distillery.records.EvalMessage;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of an evaluation: its {@link EvalMessage#eventTimeMs()}. A record that is not an
 * evaluation (a null value) keeps the Kafka record timestamp, so it is not dropped as having none.
 * Stateless and thread-safe.
 */
public final class EvalTimestampExtractor implements TimestampExtractor {
    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        return record.value() instanceof EvalMessage e ? e.eventTimeMs() : record.timestamp();
    }
}
