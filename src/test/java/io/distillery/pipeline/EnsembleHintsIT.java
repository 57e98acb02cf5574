package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.ingest.Publisher;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.EmissionGate;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.TeacherModel;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.KafkaFixture;
import io.distillery.testing.Loops;
import io.distillery.testing.Pipelines;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

/** A teacher of two members and hints, through the real trainer, emitter and student on a broker. */
class EnsembleHintsIT {
    @Test
    void shouldDistillFromAnEnsembleOfTwoWithHintsAsFromOneTeacher() throws Exception {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            Config config = Pipelines.smallConfig(kafka.bootstrapServers(), Map.of("teacher.ensemble", "2",
                "teacher.ensemble.hidden", "64,32;24", "student.hint.weight", "0.1"));
            Pipelines.createTopics(config);
            Publisher.Summary produced = Pipelines.produce(config, 6_000, 0.3, 5, 0.0, "");
            long valid = produced.labeled() + produced.unlabeled();

            RoleMetrics metrics = new RoleMetrics();
            TeacherModel last;
            long followedVersion;
            try (Trainer trainer = Loops.trainer(config, metrics, TrainerAdaptation.NONE);
                 Emitter emitter = Loops.emitter(config, metrics, trainer::latest, EmissionGate.ALWAYS);
                 FollowedModel teacher = Loops.teacherSnapshots(config, metrics);
                 StudentLoop student = Loops.student(config, metrics, teacher)) {
                Pipelines.awaitStudent(trainer, emitter, student, valid);
                assertThat(student.recent().agreement()).as("recent student-teacher agreement").isGreaterThan(0.8);
                last = trainer.latest();
                followedVersion = teacher.current().version();
                assertThat(teacher.current().network().isEnsemble()).as("the verified snapshot the student follows")
                    .isTrue();
            }

            assertThat(last.network().isEnsemble()).isTrue();
            assertThat(last.network().hiddenWidth()).isEqualTo(32 + 24);
            assertThat(followedVersion).isPositive().isLessThanOrEqualTo(last.version());
            List<ConsumerRecord<byte[], byte[]>> logits = CommittedRecords.readAll(kafka.bootstrapServers(),
                List.of("distill.teacher.logits"), valid, Duration.ofSeconds(3), Duration.ofSeconds(60));
            assertThat(logits).hasSize((int) valid);
            for (ConsumerRecord<byte[], byte[]> r : logits) {
                assertThat(r.value()[0]).isEqualTo(LogitsCodec.VERSION_HINT);
                LogitsMessage m = LogitsCodec.decode(r.value());
                assertThat(m.hidden()).hasSize(32 + 24);
                assertThat(m.teacherVersion()).isBetween(1L, last.version());
            }
            assertThat(metrics.scrape())
                .contains("distill_records_rejected_total{reason=\"malformed-message\",role=\"student\"} 0.0");
            metrics.close();
        }
    }
}
