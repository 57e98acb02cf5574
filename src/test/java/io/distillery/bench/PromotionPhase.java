package io.distillery.bench;

import io.distillery.config.Config;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.serving.ServeService;
import io.distillery.snapshot.SnapshotPublisher;
import io.distillery.testing.Latencies;
import io.distillery.testing.StudentSnapshots;
import io.distillery.testing.SwapTimes;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * {@code bench/serve.sh --promotion true}: publication → first answer with {@code serve.promotion=immediate}
 * and with {@code shadow}, same load, same snapshots. The student's own network writes teacher logits for
 * fixed rows all along (2,000 rows/s, every one scored), so each candidate agrees with the teacher as well as
 * the served version and is promoted after {@code serve.promotion.rows} rows; a new snapshot is published every
 * period while one-row requests run.
 */
final class PromotionPhase {
    private static final int LOGITS_PER_TICK = 20;
    private static final long TICK_MS = 10;

    private PromotionPhase() {
    }

    static String run(int clients, long warmupMs, long measureMs, int rows, long periodMs, Config base,
                      SnapshotPublisher publisher, StudentSnapshots snapshots, AtomicLong version, byte[] request,
                      float[][] teacherRows) throws InterruptedException {
        StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "Promotion: serve.promotion.rows=%d, every "
                + "teacher-logits row scored (%d rows/s written), a snapshot every %d ms, onnx+JSON one-row load%n%n",
            rows, LOGITS_PER_TICK * 1000 / TICK_MS, periodMs));
        b.append("| serve.promotion | versions (never answered) | publication → first answer p50 / p99 / max ms "
            + "| one-row p99 ms | errors |\n|---|---|---|---|---|\n");
        AtomicBoolean running = new AtomicBoolean(true);
        try (Producer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(base, Map.of()))) {
            Network teacher = snapshots.network(version.get());
            Thread writer = new Thread(() -> writeLogits(producer, teacher, teacherRows, running),
                "bench-teacher-logits");
            writer.start();
            try {
                for (String mode : List.of("immediate", "shadow")) {
                    b.append(measure(mode, clients, warmupMs, measureMs, rows, periodMs, base, publisher, snapshots,
                        version, request));
                }
            } finally {
                running.set(false);
                writer.join(10_000);
            }
        }
        return b.toString();
    }

    private static String measure(String mode, int clients, long warmupMs, long measureMs, int rows, long periodMs,
                                  Config base, SnapshotPublisher publisher, StudentSnapshots snapshots,
                                  AtomicLong version, byte[] request) throws InterruptedException {
        Config config = base.with(Map.of("serve.promotion", mode, "serve.promotion.rows", Integer.toString(rows),
            "serve.score.sample", "1.0", "inference.engine", "onnx"));
        try (RoleMetrics metrics = new RoleMetrics(); ServeService service = new ServeService(config, metrics)) {
            service.start();
            ServeBenchmark.awaitVersion(service, version.get());
            LoadPhase.run(service.port(), request, clients, 0, 2000, new SwapTimes());
            List<byte[]> storming = ServeBenchmark.preEncoded(snapshots, version.get(), (warmupMs + measureMs) / periodMs);
            System.gc();
            SwapTimes times = new SwapTimes();
            long stormEnd = System.nanoTime() + (warmupMs + measureMs - Math.min(2000, periodMs * 2)) * 1_000_000;
            Thread storm = new Thread(() -> ServeBenchmark.storm(publisher, storming, version, periodMs, times,
                stormEnd), "bench-storm");
            storm.start();
            LoadPhase.Result load = LoadPhase.run(service.port(), request, clients, warmupMs, measureMs, times);
            storm.join();
            SwapTimes.Summary s = times.summary();
            Latencies first = s.toFirstAnswer();
            return String.format(Locale.ROOT, "| %s | %d (%d) | %.1f / %.1f / %.1f | %.2f | %d |%n", mode, s.versions(),
                s.unanswered(), first.p50Ms(), first.p99Ms(), first.maxMs(), load.latencies().p99Ms(), load.errors());
        }
    }

    /** The teacher's logits for the rows, round and round with new ids, until stopped. */
    private static void writeLogits(Producer<byte[], byte[]> producer, Network teacher, float[][] rows,
                                    AtomicBoolean running) {
        float[][] logits = teacher.logits(rows);
        long n = 0;
        while (running.get()) {
            for (int i = 0; i < LOGITS_PER_TICK; i++, n++) {
                int r = (int) (n % rows.length);
                String id = "bench-" + n;
                byte[] value = LogitsCodec.encode(new LogitsMessage(id, System.currentTimeMillis(),
                    LogitMath.argmax(logits[r]), 1, rows[r], logits[r]));
                producer.send(new ProducerRecord<>(Topics.TEACHER_LOGITS.name(), id.getBytes(StandardCharsets.UTF_8),
                    value));
            }
            try {
                Thread.sleep(TICK_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }
}
