package io.distillery.topics;

import io.distillery.metrics.KafkaClientMeters;
import io.distillery.metrics.RoleMetrics;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka clients of one loop, each made by a {@link ClientFactory} with its client metrics bound in the
 * role's registry, and all closed together (newest first, each metrics binder just before its client).
 * Not thread-safe: the loop that owns the clients makes and closes them.
 */
public final class MeteredClients implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(MeteredClients.class);

    private final ClientFactory factory;
    private final RoleMetrics metrics;
    private final String role;
    private final Deque<AutoCloseable> open = new ArrayDeque<>();

    /** @param role the {@code role} tag of the client metrics */
    public MeteredClients(ClientFactory factory, RoleMetrics metrics, String role) {
        this.factory = factory;
        this.metrics = metrics;
        this.role = role;
    }

    /** A consumer made from {@code properties} (see {@link KafkaClients}), metered. */
    public Consumer<byte[], byte[]> consumer(Map<String, Object> properties) {
        Consumer<byte[], byte[]> c = factory.consumer(properties);
        open.push(c);
        open.push(KafkaClientMeters.bind(metrics, role, c));
        return c;
    }

    /** A producer made from {@code properties} (see {@link KafkaClients}), metered. */
    public Producer<byte[], byte[]> producer(Map<String, Object> properties) {
        Producer<byte[], byte[]> p = factory.producer(properties);
        open.push(p);
        open.push(KafkaClientMeters.bind(metrics, role, p));
        return p;
    }

    /** Closes every client and its metrics; a failure to close one is logged and the others still close. */
    @Override
    public void close() {
        while (!open.isEmpty()) {
            AutoCloseable c = open.pop();
            try {
                c.close();
            } catch (Exception e) {
                LOG.warn("closing a Kafka client of {} failed: {}", role, e.toString());
            }
        }
    }
}
