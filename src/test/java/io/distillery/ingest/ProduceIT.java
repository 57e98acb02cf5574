package io.distillery.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.records.RejectReason;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.KafkaFixture;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicAdmin;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class ProduceIT {
    private static KafkaFixture.Cluster kafka;
    private static Config config;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = KafkaFixture.dedicated();
        config = Config.of(Map.of("kafka.bootstrap.servers", kafka.bootstrapServers(), "data.features", "24",
            "data.classes", "5", "data.max.record.bytes", "4096"));
        try (Admin admin = Admin.create(KafkaClients.admin(config))) {
            new TopicAdmin(admin, new TopicAdmin.Layout(3, (short) 1, 3_600_000L, 1 << 24))
                .create(io.distillery.topics.Topics.ALL);
        }
    }

    @AfterAll
    static void stopKafka() {
        kafka.close();
    }

    @Test
    void shouldDeliverEveryValidRecordAndDeadLetterEveryBadOneWithItsReason() throws Exception {
        DataSettings data = DataSettings.from(config);
        InputCodec codec = new InputCodec(data);
        RoleMetrics metrics = new RoleMetrics();
        Publisher.Summary summary;
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
            Publisher p = new Publisher(producer, codec, new DeadLetters(producer, "produce", metrics), metrics,
                new Publisher.Options(20_000, 0.1, 0, 11, 0.06), System::nanoTime);
            SyntheticStream src = new SyntheticStream(SyntheticStream.Params.of(24, 5, 11),
                DriftSchedule.parse("abrupt@10000"), Clock.systemUTC());
            summary = p.run(src, Pacer.system(0), s -> { }, Long.MAX_VALUE);
        }
        Map<RejectReason, Long> injected = summary.injected();
        long bad = injected.values().stream().mapToLong(Long::longValue).sum();
        // 1% of the records broken in each of the six ways (6% in all), give or take the seeded draw
        assertThat(injected.keySet()).containsExactlyInAnyOrder(FaultInjector.FAULTS);
        assertThat(injected.values()).allSatisfy(n -> assertThat(n).isBetween(150L, 250L));

        List<ConsumerRecord<byte[], byte[]>> inputs = CommittedRecords.readAll(kafka.bootstrapServers(),
            List.of("distill.records.labeled", "distill.records.unlabeled"), 20_000 - bad, Duration.ofSeconds(2),
            Duration.ofSeconds(90));
        assertThat(inputs).hasSize((int) (20_000 - bad));
        Set<String> ids = new HashSet<>();
        long labeled = 0;
        for (ConsumerRecord<byte[], byte[]> r : inputs) {
            Decoded d = codec.decode(r.value());
            assertThat(d.valid()).as("valid record on %s", r.topic()).isTrue();
            assertThat(d.record().labeled()).isEqualTo(r.topic().equals("distill.records.labeled"));
            assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(d.record().id());
            ids.add(d.record().id());
            labeled += d.record().labeled() ? 1 : 0;
        }
        assertThat(ids).hasSize(inputs.size());
        assertThat(labeled).isEqualTo(summary.labeled());
        assertThat((double) labeled / inputs.size()).isBetween(0.08, 0.12);

        List<ConsumerRecord<byte[], byte[]>> dead = CommittedRecords.readAll(kafka.bootstrapServers(),
            List.of("distill.deadletter"), bad, Duration.ofSeconds(2), Duration.ofSeconds(60));
        Map<RejectReason, Long> byHeader = new EnumMap<>(RejectReason.class);
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            RejectReason reason = RejectReason.ofTag(header(r, DeadLetters.REASON));
            byHeader.merge(reason, 1L, Long::sum);
            assertThat(codec.decode(r.value()).reason()).isEqualTo(reason);
            assertThat(header(r, DeadLetters.ROLE)).isEqualTo("produce");
            assertThat(header(r, DeadLetters.SOURCE_TOPIC)).isEqualTo("synthetic");
            assertThat(Long.parseLong(header(r, DeadLetters.SOURCE_OFFSET))).isBetween(0L, 19_999L);
            assertThat(header(r, DeadLetters.DETAIL)).isNotBlank();
        }
        assertThat(byHeader).isEqualTo(injected);
        assertThat(summary.deadLettered()).isEqualTo(injected);
        String scrape = metrics.scrape();
        for (Map.Entry<RejectReason, Long> e : injected.entrySet()) {
            assertThat(scrape).contains("distill_records_rejected_total{reason=\"" + e.getKey().tag()
                + "\",role=\"produce\"} " + e.getValue() + ".0");
        }
        metrics.close();
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        assertThat(h).as("header %s", name).isNotNull();
        return new String(h.value(), StandardCharsets.UTF_8);
    }
}
