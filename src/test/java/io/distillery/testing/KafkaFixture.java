package io.distillery.testing;

import io.distillery.broker.EmbeddedKafka;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;

/**
 * The Kafka every integration test runs against: a Testcontainers Kafka when a Docker engine is
 * present, else the real in-process KRaft broker. One per test JVM, started on first use.
 */
public final class KafkaFixture {
    private static final String IMAGE = "apache/kafka:4.1.0";
    private static String bootstrap;

    private KafkaFixture() {
    }

    /** The shared cluster's bootstrap servers, starting it if needed. */
    public static synchronized String bootstrapServers() {
        if (bootstrap == null) {
            bootstrap = dockerAvailable() ? startContainer() : startEmbedded();
        }
        return bootstrap;
    }

    /**
     * A cluster of its own, for tests that use the service's fixed topic names: a container when Docker
     * exists, else a new in-process broker. Close it when done.
     */
    public static Cluster dedicated() {
        if (dockerAvailable()) {
            @SuppressWarnings("resource") // closed by Cluster.close
            KafkaContainer kafka = new KafkaContainer(IMAGE);
            kafka.start();
            return new Cluster(kafka.getBootstrapServers(), kafka::stop);
        }
        try {
            Path dir = Files.createTempDirectory("distill-it-kafka");
            EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir));
            return new Cluster(kafka.bootstrapServers(), () -> {
                kafka.close();
                TempDirs.delete(dir);
            });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A running cluster and how to stop it. */
    public record Cluster(String bootstrapServers, Runnable stopper) implements AutoCloseable {
        @Override
        public void close() {
            stopper.run();
        }
    }

    /** A topic name unique to this run, so tests never see each other's records. */
    public static String uniqueTopic(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    public static void createTopic(String name, int partitions) {
        try (Admin admin = admin()) {
            admin.createTopics(java.util.List.of(new NewTopic(name, partitions, (short) 1))).all().get();
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topic " + name, e);
        }
    }

    public static Admin admin() {
        Map<String, Object> p = new HashMap<>();
        p.put("bootstrap.servers", bootstrapServers());
        return Admin.create(p);
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static String startContainer() {
        @SuppressWarnings("resource") // lives as long as the test JVM; Testcontainers' reaper removes it
        KafkaContainer kafka = new KafkaContainer(IMAGE);
        kafka.start();
        return kafka.getBootstrapServers();
    }

    private static String startEmbedded() {
        try {
            Path dir = Files.createTempDirectory("distill-it-kafka");
            EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir));
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                kafka.close();
                TempDirs.delete(dir);
            }, "it-kafka-shutdown"));
            return kafka.bootstrapServers();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
