package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.testing.Pipelines;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.Callback;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What {@code produce} does when the broker is away: it waits, and it never loses a record silently. */
class PublisherTest {
    private static final Config CONFIG = Pipelines.smallConfig("mock:9092", Map.of());
    private final RoleMetrics metrics = new RoleMetrics("produce");

    @AfterEach
    void close() {
        metrics.close();
    }

    @Test
    void shouldSendAgainARecordWhoseSendTimedOutBeforeSendingIt() throws Exception {
        AtomicInteger timeouts = new AtomicInteger(3);
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback callback) {
                if (timeouts.getAndDecrement() > 0) {
                    // as KafkaProducer does when the metadata does not come: the callback, on the sending thread
                    TimeoutException e = new TimeoutException("Topic " + r.topic() + " not present in metadata after "
                        + "60000 ms.");
                    callback.onCompletion(null, e);
                    return CompletableFuture.failedFuture(e);
                }
                return super.send(r, callback);
            }
        };
        Publisher.Summary s = publisher(producer, 5).run(Pipelines.stream(CONFIG, 1, ""), Pacer.system(0), x -> { },
            Long.MAX_VALUE);

        assertThat(s.read()).isEqualTo(5);
        assertThat(producer.history()).hasSize(5);
        assertThat(producer.history().stream().map(r -> new String(r.key())).distinct()).hasSize(5);
    }

    @Test
    void shouldFailNamingTheRecordsTheProducerGaveUpOn() {
        MockProducer<byte[], byte[]> producer = new MockProducer<>(true, null, new ByteArraySerializer(),
            new ByteArraySerializer()) {
            @Override
            public synchronized Future<RecordMetadata> send(ProducerRecord<byte[], byte[]> r, Callback callback) {
                Future<RecordMetadata> sent = super.send(r, null);
                // later, on the producer's own thread, as when delivery.timeout.ms has passed
                Thread expiry = new Thread(() -> callback.onCompletion(null,
                    new TimeoutException("Expiring 1 record(s): 120000 ms has passed")));
                expiry.start();
                try {
                    expiry.join();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return sent;
            }
        };
        assertThatThrownBy(() -> publisher(producer, 4).run(Pipelines.stream(CONFIG, 1, ""), Pacer.system(0), x -> { },
            Long.MAX_VALUE)).hasMessageContaining("4 record(s) could not be delivered");
    }

    private Publisher publisher(MockProducer<byte[], byte[]> producer, long count) {
        return new Publisher(producer, new InputCodec(DataSettings.from(CONFIG)), new DeadLetters(producer, "produce",
            metrics), metrics, new Publisher.Options(count, 0.5, 0, 7, 0), System::nanoTime);
    }
}
