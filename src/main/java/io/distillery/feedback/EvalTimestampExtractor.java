package io.distillery.feedback;

import io.distillery.records.EvalCodec;
import io.distillery.records.EventTimeBound;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of an evaluation (raw bytes in {@link EvalCodec}'s format): its {@code eventTimeMs}, when it
 * decodes and the {@link EventTimeBound} accepts it. Any other record, which {@link EvalCheck} will
 * dead-letter, gets a timestamp that moves no stream time forward: the partition time, or before the
 * first record the Kafka timestamp clamped to [0, the latest accepted time]. The windows never see such a
 * record (it is dead-lettered before the repartition); this keeps the source task's time sane as well.
 * Stateless and thread-safe.
 */
final class EvalTimestampExtractor implements TimestampExtractor {
    private final EventTimeBound bound;

    EvalTimestampExtractor(EventTimeBound bound) {
        this.bound = bound;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof byte[] bytes) {
            try {
                long t = EvalCodec.decode(bytes).eventTimeMs();
                if (bound.accepts(t)) {
                    return t;
                }
            } catch (IllegalArgumentException e) {
                // not an evaluation: dead-lettered by EvalCheck
            }
        }
        if (partitionTime >= 0) {
            return partitionTime;
        }
        return Math.max(0, Math.min(record.timestamp(), bound.latestAccepted()));
    }
}
