package io.distillery.bench;

import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.Config;
import io.distillery.snapshot.SnapshotFollower;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.testing.TempDirs;
import io.distillery.topics.KafkaClients;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * What moving one snapshot through Kafka costs in CPU, by thread group (broker, publisher's producer, the
 * follower's consumer thread): an in-process broker, a publisher with the snapshot publisher's settings and a
 * consumer with the snapshot follower's, {@code n} messages of {@code bytes} random bytes one every
 * {@code period} ms, for each client socket-buffer setting in turn, twice (A B B A), side by side in one run;
 * "all Java threads" is every thread the JVM lists (the broker's, the clients', the reader), not its JIT and GC.
 * Usage: {@code bench/run SnapshotTransportCost [n] [bytes] [periodMs]}.
 */
public final class SnapshotTransportCost {
    private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();
    private static final String TOPIC = "transport";

    private SnapshotTransportCost() {
    }

    public static void main(String[] args) throws Exception {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int bytes = args.length > 1 ? Integer.parseInt(args[1]) : 790_000;
        int periodMs = args.length > 2 ? Integer.parseInt(args[2]) : 50;
        Path dir = Files.createTempDirectory("transport-cost");
        Map<String, Map<String, Object>> variants = new LinkedHashMap<>();
        variants.put("Kafka's defaults (send 128 KiB, receive 64 KiB)", Map.of(
            ProducerConfig.SEND_BUFFER_CONFIG, 128 * 1024, ConsumerConfig.RECEIVE_BUFFER_CONFIG, 64 * 1024));
        variants.put("the snapshot clients' (-1: the kernel's autotuning)", Map.of());
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%nCPU per message of %d bytes, ms "
            + "(%d messages, one per %d ms)%n%n| socket buffers | round | broker | producer | consumer thread | "
            + "all Java threads | whole process |%n|---|---|---|---|---|---|---|%n", bytes, n, periodMs));
        try (EmbeddedKafka kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir))) {
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", kafka.bootstrapServers()))) {
                admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1)
                    .configs(Map.of("max.message.bytes", Integer.toString(16 << 20))))).all().get();
            }
            byte[] payload = new byte[bytes];
            new Random(1).nextBytes(payload);
            run(kafka, payload, Map.of(), 60, periodMs); // warm-up, not reported
            List<Map.Entry<String, Map<String, Object>>> order = new ArrayList<>(variants.entrySet());
            for (int round = 1; round <= 2; round++) {
                for (var v : order) {
                    double[] r = run(kafka, payload, v.getValue(), n, periodMs);
                    out.append(String.format(Locale.ROOT, "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f |%n",
                        v.getKey(), round, r[0], r[1], r[2], r[3], r[4]));
                }
                Collections.reverse(order); // A B B A: neither setting always runs in the warmer JVM
            }
        } finally {
            TempDirs.delete(dir);
        }
        System.out.print(out);
    }

    /** CPU ms per message: broker threads, producer I/O thread, consumer thread, all Java threads, whole process. */
    private static double[] run(EmbeddedKafka kafka, byte[] payload, Map<String, Object> extra, int n,
                                int periodMs) throws Exception {
        Map<String, Object> p = SnapshotPublisher.producerConfig(new HashMap<>(), 16 << 20);
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("client.id", "transport-producer");
        Map<String, String> settings = new HashMap<>(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers()));
        extra.forEach((k, v) -> settings.put(Config.KAFKA_PREFIX + k, v.toString()));
        Map<String, Object> c = KafkaClients.followerConsumer(Config.of(settings),
            SnapshotFollower.consumerDefaults(16 << 20));
        extra.forEach((k, v) -> {
            if (ProducerConfig.configNames().contains(k)) {
                p.put(k, v);
            }
        });
        AtomicLong received = new AtomicLong();
        AtomicLong consumerCpu = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
                 new ByteArraySerializer());
             KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(c, new ByteArrayDeserializer(),
                 new ByteArrayDeserializer())) {
            TopicPartition tp = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(tp));
            consumer.seekToEnd(List.of(tp));
            consumer.position(tp);
            producer.send(new ProducerRecord<>(TOPIC, new byte[1])).get(); // connected before the clock starts
            while (received.get() == 0) {
                received.addAndGet(consumer.poll(Duration.ofMillis(50)).count());
            }
            received.set(0);
            Thread reader = new Thread(() -> {
                long t0 = CPU.getCurrentThreadCpuTime();
                while (!stop.get()) {
                    for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(20))) {
                        if (r.value().length == payload.length) {
                            received.incrementAndGet();
                        }
                    }
                }
                consumerCpu.set(CPU.getCurrentThreadCpuTime() - t0);
            }, "transport-reader");
            Map<String, Long> before = threadCpu();
            long process0 = processCpu();
            reader.start();
            long next = System.nanoTime();
            for (int i = 0; i < n; i++) {
                producer.send(new ProducerRecord<>(TOPIC, "k".getBytes(), payload)).get();
                next += periodMs * 1_000_000L;
                long wait = next - System.nanoTime();
                if (wait > 0) {
                    Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
                }
            }
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (received.get() < n && System.nanoTime() < deadline) {
                Thread.sleep(5);
            }
            stop.set(true);
            reader.join();
            long process = processCpu() - process0;
            Map<String, Long> after = threadCpu();
            if (received.get() < n) {
                throw new IllegalStateException("received " + received.get() + " of " + n);
            }
            long broker = 0;
            long prod = 0;
            long all = 0;
            for (var e : after.entrySet()) {
                long d = e.getValue() - before.getOrDefault(e.getKey(), 0L);
                all += d;
                String name = e.getKey();
                if (name.contains("transport-producer")) {
                    prod += d;
                } else if (name.startsWith("data-plane") || name.contains("request-handler")
                    || name.startsWith("kafka-") || name.contains("broker")) {
                    broker += d;
                }
            }
            return new double[] {broker / 1e6 / n, prod / 1e6 / n, consumerCpu.get() / 1e6 / n,
                (all + consumerCpu.get()) / 1e6 / n, process / 1e6 / n};
        }
    }

    private static Map<String, Long> threadCpu() {
        Map<String, Long> m = new HashMap<>();
        for (ThreadInfo t : CPU.getThreadInfo(CPU.getAllThreadIds())) {
            if (t != null) {
                long cpu = CPU.getThreadCpuTime(t.getThreadId());
                if (cpu >= 0) {
                    m.merge(t.getThreadName() + "#" + t.getThreadId(), cpu, Long::sum);
                }
            }
        }
        return m;
    }

    private static long processCpu() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime();
    }
}
