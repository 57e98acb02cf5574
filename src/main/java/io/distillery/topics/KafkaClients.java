package io.distillery.topics;

import io.distillery.config.Config;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Properties for the Kafka clients of every role, in three layers: the service's tuned defaults, then
 * the user's {@code kafka.*} settings (security, SASL, SSL, tuning: passed untouched), then what a
 * role requires to be correct (transactional id, isolation level, serializers), which nobody overrides.
 */
public final class KafkaClients {
    private KafkaClients() {
    }

    public static String bootstrapServers(Config config) {
        Object b = config.kafkaProperties().get("bootstrap.servers");
        if (b == null || b.toString().isBlank()) {
            throw new io.distillery.config.ConfigException("kafka.bootstrap.servers must be set "
                + "(--bootstrap-servers, or env DISTILL_KAFKA_BOOTSTRAP_SERVERS)");
        }
        return b.toString();
    }

    /**
     * Producer properties: idempotent, acks=all; batched for records of about 3 KB (256 KiB batches, 10 ms
     * linger, lz4), the settings chosen by measurement (docs/measurements.md).
     */
    public static Map<String, Object> producer(Config config, Map<String, Object> required) {
        Map<String, Object> p = new HashMap<>();
        p.put("acks", "all");
        p.put("enable.idempotence", "true");
        p.put("batch.size", Integer.toString(256 * 1024));
        p.put("linger.ms", "10");
        p.put("compression.type", "lz4");
        p.put("max.request.size", Integer.toString(64 << 20));
        return layer(p, config, required, "org.apache.kafka.common.serialization.ByteArraySerializer",
            "key.serializer", "value.serializer");
    }

    /** Consumer properties: manual commits, from the earliest offset when the group is new. */
    public static Map<String, Object> consumer(Config config, Map<String, Object> required) {
        Map<String, Object> p = new HashMap<>();
        p.put("enable.auto.commit", "false");
        p.put("auto.offset.reset", "earliest");
        p.put("max.partition.fetch.bytes", Integer.toString(8 << 20));
        return layer(p, config, required, "org.apache.kafka.common.serialization.ByteArrayDeserializer",
            "key.deserializer", "value.deserializer");
    }

    /** Admin client properties. */
    public static Map<String, Object> admin(Config config) {
        Map<String, Object> p = new HashMap<>(config.kafkaProperties());
        p.put("bootstrap.servers", bootstrapServers(config));
        return p;
    }

    /**
     * Consumer properties of a follower: no group (it assigns partitions itself and commits nothing),
     * {@code read_committed}, no auto-creation of the topic it waits for. {@code defaults} (fetch sizes,
     * poll sizes) come under the user's {@code kafka.*} settings.
     */
    public static Map<String, Object> followerConsumer(Config config, Map<String, Object> defaults) {
        Map<String, Object> p = consumer(config, Map.of("isolation.level", "read_committed",
            "enable.auto.commit", "false", "allow.auto.create.topics", "false"));
        defaults.forEach((k, v) -> {
            if (!config.kafkaProperties().containsKey(k)) {
                p.put(k, v);
            }
        });
        p.remove("group.id");
        return p;
    }

    /**
     * The partitions of a topic.
     *
     * @throws UnknownTopicOrPartitionException (retriable) while the topic does not exist: a role may
     *     start before {@code topics --create} has run, and its loop retries
     */
    public static List<TopicPartition> partitions(Consumer<?, ?> consumer, String topic) {
        List<PartitionInfo> infos = consumer.partitionsFor(topic);
        if (infos == null || infos.isEmpty()) {
            throw new UnknownTopicOrPartitionException("topic " + topic + " does not exist yet (run: topics --create)");
        }
        return infos.stream().map(i -> new TopicPartition(i.topic(), i.partition())).toList();
    }

    /** Records waiting for {@code consumer} on {@code parts}, as of its last fetch (a partition not yet fetched: 0). */
    public static long lag(Consumer<?, ?> consumer, List<TopicPartition> parts) {
        long lag = 0;
        for (TopicPartition tp : parts) {
            lag += consumer.currentLag(tp).orElse(0);
        }
        return lag;
    }

    private static Map<String, Object> layer(Map<String, Object> defaults, Config config,
                                             Map<String, Object> required, String serde, String... serdeKeys) {
        Map<String, Object> p = new HashMap<>(defaults);
        p.putAll(config.kafkaProperties());
        p.put("bootstrap.servers", bootstrapServers(config));
        for (String k : serdeKeys) {
            p.put(k, serde);
        }
        p.putAll(required);
        return p;
    }
}
