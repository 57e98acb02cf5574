package io.distillery.records;

import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Sends rejected records to {@code distill.deadletter}: the original key and bytes, with headers naming
 * the reason, a detail, the source topic, partition and offset, and the role; and counts them by reason.
 *
 * <p>It writes through the caller's producer, so a transactional caller dead-letters inside its own
 * transaction (a record is then dead-lettered exactly once with the input offsets). Such a caller uses
 * {@link #transactional}: its counts wait for {@link #committed()} and {@link #aborted()} drops them, so
 * a poll that is aborted and read again is counted once. Thread-safe when the producer is.
 */
public final class DeadLetters {
    public static final String REASON = "distill.reason";
    public static final String DETAIL = "distill.detail";
    public static final String SOURCE_TOPIC = "distill.source.topic";
    public static final String SOURCE_PARTITION = "distill.source.partition";
    public static final String SOURCE_OFFSET = "distill.source.offset";
    public static final String ROLE = "distill.role";

    private final Producer<byte[], byte[]> producer;
    private final String role;
    private final Map<RejectReason, Counter> counters = new EnumMap<>(RejectReason.class);
    private final long[] pending;

    /** Dead letters counted as they are sent. */
    public DeadLetters(Producer<byte[], byte[]> producer, String role, RoleMetrics metrics) {
        this(producer, role, metrics, false);
    }

    private DeadLetters(Producer<byte[], byte[]> producer, String role, RoleMetrics metrics, boolean deferred) {
        this.producer = producer;
        this.role = role;
        this.pending = deferred ? new long[RejectReason.values().length] : null;
        for (RejectReason r : RejectReason.values()) {
            counters.put(r, metrics.counter(Metrics.RECORDS_REJECTED, role, r.tag()));
        }
    }

    /** Dead letters sent inside the caller's transactions: counted on {@link #committed()}. */
    public static DeadLetters transactional(Producer<byte[], byte[]> producer, String role, RoleMetrics metrics) {
        return new DeadLetters(producer, role, metrics, true);
    }

    /** Dead-letters one consumed record for the reason. */
    public void send(ConsumerRecord<byte[], byte[]> r, Rejected why) {
        send(r.key(), r.value(), why.reason(), why.detail(), r.topic(), r.partition(), r.offset());
    }

    /**
     * Dead-letters one record.
     *
     * @param partition source partition, or -1 when the source is not a topic (a file)
     * @param offset source offset, or the line number of a file
     */
    public void send(byte[] key, byte[] value, RejectReason reason, String detail, String sourceTopic,
                     int partition, long offset) {
        Headers h = headers(reason, detail, sourceTopic, partition, offset, role);
        producer.send(new ProducerRecord<>(Topics.DEADLETTER.name(), null, key, value, h));
        if (pending != null) {
            synchronized (pending) {
                pending[reason.ordinal()]++;
            }
        } else {
            counters.get(reason).increment();
        }
    }

    /** The transaction of the dead letters sent since the last commit or abort committed: count them. */
    public void committed() {
        if (pending == null) {
            return;
        }
        synchronized (pending) {
            for (RejectReason r : RejectReason.values()) {
                counters.get(r).increment(pending[r.ordinal()]);
            }
            Arrays.fill(pending, 0);
        }
    }

    /** The transaction was aborted: its dead letters were never written and are not counted. */
    public void aborted() {
        if (pending == null) {
            return;
        }
        synchronized (pending) {
            Arrays.fill(pending, 0);
        }
    }

    /** The headers of a dead letter; also for writers that are not a producer (Kafka Streams). */
    public static Headers headers(RejectReason reason, String detail, String sourceTopic, int partition, long offset,
                                  String role) {
        RecordHeaders h = new RecordHeaders();
        h.add(REASON, utf8(reason.tag()));
        h.add(DETAIL, utf8(detail == null ? "" : truncate(detail)));
        h.add(SOURCE_TOPIC, utf8(String.valueOf(sourceTopic)));
        h.add(SOURCE_PARTITION, utf8(Integer.toString(partition)));
        h.add(SOURCE_OFFSET, utf8(Long.toString(offset)));
        h.add(ROLE, utf8(role));
        return h;
    }

    /** How many records this process dead-lettered for the reason. */
    public long count(RejectReason reason) {
        return (long) counters.get(reason).count();
    }

    private static String truncate(String s) {
        return s.length() <= 500 ? s : s.substring(0, 500);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
