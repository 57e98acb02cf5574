package io.distillery.topics;

import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Makes the Kafka clients of a role's loops from their properties (built by {@link KafkaClients}), so that
 * a loop can be tested with {@code MockConsumer} and {@code MockProducer}. {@link #KAFKA} makes real ones.
 * Keys and values are bytes whatever the properties say.
 */
public interface ClientFactory {
    /** Real Kafka clients. */
    ClientFactory KAFKA = new ClientFactory() {
        @Override
        public Consumer<byte[], byte[]> consumer(Map<String, Object> properties) {
            return new KafkaConsumer<>(properties, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        }

        @Override
        public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
            return new KafkaProducer<>(properties, new ByteArraySerializer(), new ByteArraySerializer());
        }
    };

    Consumer<byte[], byte[]> consumer(Map<String, Object> properties);

    Producer<byte[], byte[]> producer(Map<String, Object> properties);
}
