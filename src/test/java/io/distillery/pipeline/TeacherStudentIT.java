package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.ingest.Publisher;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.records.DeadLetters;
import io.distillery.records.EvalCodec;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.records.RejectReason;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotFixtures;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.EmissionGate;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;

class TeacherStudentIT {
    @Test
    void shouldEmitOneLogitPerValidRecordAndStudentAgreesWithTeacher() throws Exception {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of());
            Pipelines.createTopics(config);
            Publisher.Summary produced = Pipelines.produce(config, 12_000, 0.3, 5, 0.0, "");
            publishBadRecordsByHand(kafka.bootstrapServers());
            long valid = produced.labeled() + produced.unlabeled();

            SnapshotCodec codec = SnapshotFixtures.CODEC;
            RoleMetrics metrics = new RoleMetrics();
            StudentSettings studentSettings = StudentSettings.from(config);
            try (Trainer trainer = Loops.trainer(config, metrics, TrainerAdaptation.NONE);
                 Emitter emitter = Loops.emitter(config, metrics, trainer::latest, EmissionGate.ALWAYS);
                 FollowedModel teacher = Loops.teacherSnapshots(config, metrics);
                 StudentLoop student = Loops.student(config, metrics, teacher)) {
                Pipelines.awaitStudent(trainer, emitter, student, valid);
                assertThat(student.recent().agreement()).as("recent student-teacher agreement").isGreaterThan(0.9);
            }

            List<ConsumerRecord<byte[], byte[]>> logits = CommittedRecords.readAll(kafka.bootstrapServers(),
                List.of("distill.teacher.logits"), valid, Duration.ofSeconds(3), Duration.ofSeconds(60));
            Map<String, Long> perId = logits.stream().map(r -> LogitsCodec.decode(r.value()))
                .collect(Collectors.groupingBy(LogitsMessage::id, Collectors.counting()));
            assertThat(logits).hasSize((int) valid);
            assertThat(perId).hasSize((int) valid);
            assertThat(perId.values()).allMatch(n -> n == 1);

            List<ConsumerRecord<byte[], byte[]>> evals = CommittedRecords.readAll(kafka.bootstrapServers(),
                List.of("distill.student.evals"), valid, Duration.ofSeconds(2), Duration.ofSeconds(60));
            assertThat(evals).hasSize((int) valid);
            assertThat(EvalCodec.decode(evals.get(0).value()).kl()).isFinite();

            Map<String, Long> deadReasons = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : CommittedRecords.readAll(kafka.bootstrapServers(),
                List.of("distill.deadletter"), 3, Duration.ofSeconds(2), Duration.ofSeconds(30))) {
                deadReasons.merge(new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8)
                    + "@" + new String(r.headers().lastHeader(DeadLetters.ROLE).value(), StandardCharsets.UTF_8), 1L, Long::sum);
            }
            assertThat(deadReasons).containsEntry(RejectReason.MALFORMED_JSON.tag() + "@teacher", 1L)
                .containsEntry(RejectReason.FEATURE_COUNT.tag() + "@teacher", 1L)
                .containsEntry(RejectReason.MISSING_LABEL.tag() + "@teacher", 1L);
            assertThat(metrics.scrape()).contains("distill_records_rejected_total{reason=\"missing-label\",role=\"teacher\"} 1.0");
            metrics.close();
        }
    }

    /** As a user with kcat would: bypassing produce's validation. */
    private static void publishBadRecordsByHand(String bootstrap) {
        try (KafkaProducer<String, String> p = new KafkaProducer<>(Map.of("bootstrap.servers", bootstrap),
            new org.apache.kafka.common.serialization.StringSerializer(),
            new org.apache.kafka.common.serialization.StringSerializer())) {
            p.send(new ProducerRecord<>("distill.records.unlabeled", "bad-1", "{\"id\": \"bad-1\", \"features\": [1, 2"));
            p.send(new ProducerRecord<>("distill.records.unlabeled", "bad-2", "{\"id\": \"bad-2\", \"features\": [1, 2]}"));
            p.send(new ProducerRecord<>("distill.records.labeled", "bad-3",
                "{\"id\": \"bad-3\", \"features\": [0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]}"));
        }
    }
}
