package io.distillery.broker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedKafkaIT {
    @TempDir
    Path dir;

    @Test
    void shouldKeepRecordsAndAddressAcrossRestartOnSameDirectory() throws Exception {
        String bootstrap;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("t", 2, (short) 1))).all().get();
            }
            produce(bootstrap, 100);
        }
        try (EmbeddedKafka again = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            assertThat(again.bootstrapServers()).isEqualTo(bootstrap);
            produce(bootstrap, 50);
            assertThat(consumeAll(bootstrap, 150)).hasSize(150);
        }
    }

    @Test
    void shouldMoveToAnExplicitlyAskedPortKeepingTheRecords() throws Exception {
        int first;
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            first = Integer.parseInt(kafka.bootstrapServers().substring(kafka.bootstrapServers().indexOf(':') + 1));
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            produce(kafka.bootstrapServers(), 10);
        }
        int asked = EmbeddedKafka.freePort();
        assertThat(asked).isNotEqualTo(first);
        try (EmbeddedKafka moved = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir).withPort(asked))) {
            assertThat(moved.bootstrapServers()).isEqualTo("127.0.0.1:" + asked);
            assertThat(consumeAll(moved.bootstrapServers(), 10)).hasSize(10);
        }
        try (EmbeddedKafka again = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            assertThat(again.bootstrapServers()).as("the asked port is recorded").isEqualTo("127.0.0.1:" + asked);
        }
    }

    @Test
    void shouldRunTransactionsOnSingleNode() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1))).all().get();
            }
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "transactional.id", "tx-test", "max.block.ms", "20000"), new StringSerializer(), new StringSerializer())) {
                p.initTransactions();
                p.beginTransaction();
                p.send(new ProducerRecord<>("t", "k", "aborted"));
                p.abortTransaction();
                p.beginTransaction();
                p.send(new ProducerRecord<>("t", "k", "committed"));
                p.commitTransaction();
            }
            List<String> seen = consumeAll(bootstrap, 1).stream().map(ConsumerRecord::value).toList();
            assertThat(seen).containsExactly("committed");
        }
    }

    @Test
    void shouldCompactWithItsSmallKeyMap() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                assertThat(nodeConfig(admin, "log.cleaner.dedupe.buffer.size")).isEqualTo(Integer.toString(16 << 20));
                // every record cleanable at once, each in a segment of its own after the first
                admin.createTopics(List.of(new NewTopic("t", 1, (short) 1).configs(Map.of("cleanup.policy", "compact",
                    "segment.ms", "100", "min.compaction.lag.ms", "0", "min.cleanable.dirty.ratio", "0.01",
                    "delete.retention.ms", "0")))).all().get();
            }
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
                new StringSerializer(), new StringSerializer())) {
                for (int round = 0; round < 3; round++) {
                    for (int k = 0; k < 5; k++) {
                        p.send(new ProducerRecord<>("t", "k" + k, "v" + round)).get();
                    }
                    Thread.sleep(150);
                }
                // a later record rolls the last round's segment, so the cleaner may take it too
                p.send(new ProducerRecord<>("t", "k0", "v3")).get();
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            List<ConsumerRecord<String, String>> left = consumeAll(bootstrap, 5);
            while (left.size() > 6 && System.nanoTime() < deadline) {
                Thread.sleep(500);
                left = consumeAll(bootstrap, 5);
            }
            assertThat(left.size()).as("the cleaner kept one record per key (and the active segment's)")
                .isLessThanOrEqualTo(6);
            assertThat(left.stream().filter(r -> r.key().equals("k4")).map(ConsumerRecord::value))
                .containsExactly("v2");
        }
    }

    @Test
    void shouldFindRecordsThroughItsSmallIndexes() throws Exception {
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            String bootstrap = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
                assertThat(nodeConfig(admin, "log.index.size.max.bytes")).isEqualTo(Integer.toString(128 << 10));
                admin.createTopics(List.of(new NewTopic("idx", 1, (short) 1))).all().get();
            }
            // records of 8 KiB: one index entry each (one per 4 KiB of log)
            String value = "x".repeat(8 << 10);
            try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap,
                "linger.ms", "0"), new StringSerializer(), new StringSerializer())) {
                for (int i = 0; i < 300; i++) {
                    p.send(new ProducerRecord<>("idx", "k" + i, i + value)).get();
                }
            }
            Path segment = dir.resolve("kraft-logs").resolve("idx-0");
            assertThat(Files.size(segment.resolve("00000000000000000000.index")))
                .as("the active segment's offset index, preallocated").isEqualTo(128 << 10);
            try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap),
                new StringDeserializer(), new StringDeserializer())) {
                TopicPartition tp = new TopicPartition("idx", 0);
                c.assign(List.of(tp));
                c.seek(tp, 250);
                List<ConsumerRecord<String, String>> got = new ArrayList<>();
                long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                while (got.isEmpty() && System.nanoTime() < deadline) {
                    c.poll(Duration.ofMillis(200)).forEach(got::add);
                }
                assertThat(got).isNotEmpty();
                assertThat(got.get(0).offset()).isEqualTo(250);
                assertThat(got.get(0).key()).isEqualTo("k250");
                assertThat(got.get(0).value()).isEqualTo(250 + value);
            }
        }
    }

    /** The value the node (id 1) reports for one of its configs. */
    private static String nodeConfig(Admin admin, String name) throws Exception {
        ConfigResource node = new ConfigResource(ConfigResource.Type.BROKER, "1");
        return admin.describeConfigs(List.of(node)).all().get().get(node).get(name).value();
    }

    private static void produce(String bootstrap, int n) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
            new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < n; i++) {
                p.send(new ProducerRecord<>("t", "k" + i, "v" + i));
            }
        }
    }

    private static List<ConsumerRecord<String, String>> consumeAll(String bootstrap, int expected) {
        List<ConsumerRecord<String, String>> out = new ArrayList<>();
        try (KafkaConsumer<String, String> c = new KafkaConsumer<>(Map.of("bootstrap.servers", bootstrap,
            "group.id", "g-" + System.nanoTime(), "auto.offset.reset", "earliest",
            "isolation.level", "read_committed"), new StringDeserializer(), new StringDeserializer())) {
            c.subscribe(List.of("t"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (out.size() < expected && System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
            // one more poll to catch anything beyond the expected count
            c.poll(Duration.ofMillis(500)).forEach(out::add);
        }
        return out;
    }
}
