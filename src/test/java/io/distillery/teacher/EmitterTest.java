package io.distillery.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.config.Config;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.records.LogitsCodec;
import io.distillery.records.LogitsMessage;
import io.distillery.testing.Await;
import io.distillery.testing.FakeClients.PacedConsumer;
import io.distillery.testing.FakeClients;
import io.distillery.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;



/** The emitter on mock clients: one transaction per poll with its logits, dead letters and offsets. */
class EmitterTest {
    private static final TopicPartition LABELED = new TopicPartition(Topics.LABELED.name(), 0);
    private static final TopicPartition UNLABELED = new TopicPartition(Topics.UNLABELED.name(), 0);
    private static final Config CONFIG = Config.of(Map.of(
        "kafka.bootstrap.servers", "mock:9092", "data.features", "4", "data.classes", "3", "teacher.hidden", "8",
        "teacher.emitter.id", "emitter-7"));

    private final RoleMetrics metrics = new RoleMetrics("teacher");
    private final FakeClients clients = new FakeClients();
    private final PacedConsumer input = clients.next(FakeClients.consumerOf(Map.of(LABELED.topic(), 0L,
        UNLABELED.topic(), 0L)));
    private final MockProducer<byte[], byte[]> output = clients.next(FakeClients.producer());
    private final AtomicReference<TeacherModel> teacher = new AtomicReference<>();
    private final Emitter emitter = new Emitter(TeacherSettings.from(CONFIG), CONFIG, clients, teacher::get,
        EmissionGate.ALWAYS, metrics, Duration.ofMinutes(1), Clock.systemUTC());

    @AfterEach
    void close() {
        emitter.close();
        metrics.close();
    }

    /** Makes a fresh teacher network the one the emitter computes with, as version {@code version}. */
    private Network useTeacher(long version) {
        Network net = Network.teacher(TeacherSettings.from(CONFIG).network());
        teacher.set(new TeacherModel(version, net, OnnxExport.export(net, Map.of())));
        return net;
    }

    private static ConsumerRecord<byte[], byte[]> record(TopicPartition tp, long offset, String json) {
        return new ConsumerRecord<>(tp.topic(), 0, offset, null, json.getBytes(StandardCharsets.UTF_8));
    }

    private static String row(String id, Integer label) {
        return "{\"id\":\"" + id + "\",\"features\":[0.1,0.2,0.3,0.4]" + (label == null ? "" : ",\"label\":" + label) + "}";
    }

    @Test
    void shouldWriteLogitsDeadLettersAndOffsetsInOneTransactionPerPoll() throws Exception {
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED, UNLABELED));
            input.addRecord(record(LABELED, 0, row("a", 1)));
            input.addRecord(record(LABELED, 1, row("b", null)));
            input.addRecord(record(LABELED, 2, "{broken"));
            input.addRecord(record(UNLABELED, 0, row("c", null)));
        });
        emitter.start();
        assertThat(emitter.health().healthy()).isTrue();
        Thread.sleep(300);
        assertThat(output.history()).as("nothing before a first teacher").isEmpty();

        Network net = useTeacher(3);
        Await.until(() -> output.transactionCommitted() && emitter.emitted() == 2, "the first transaction",
            Duration.ofSeconds(20), emitter::failure);

        List<ProducerRecord<byte[], byte[]>> sent = output.history();
        List<LogitsMessage> logits = sent.stream().filter(r -> r.topic().equals(Topics.TEACHER_LOGITS.name()))
            .map(r -> LogitsCodec.decode(r.value())).toList();
        assertThat(logits).extracting(LogitsMessage::id).containsExactlyInAnyOrder("a", "c");
        assertThat(logits).allSatisfy(m -> assertThat(m.teacherVersion()).isEqualTo(3));
        // the emitter computes on ONNX Runtime, the reference on DL4J: the same floats to rounding (which kernels
        // ONNX Runtime picks depends on the CPU)
        float[] expected = net.logits(new float[][] {{0.1f, 0.2f, 0.3f, 0.4f}})[0];
        assertThat(logits).allSatisfy(m -> assertThat(m.logits()).containsExactly(expected, within(1e-6f)));
        assertThat(sent.stream().filter(r -> r.topic().equals(Topics.DEADLETTER.name()))).hasSize(2);
        // the mock consumer names its own group; the offsets of the one transaction are what matters
        Map<TopicPartition, OffsetAndMetadata> offsets = output.consumerGroupOffsetsHistory().get(0).values()
            .iterator().next();
        assertThat(offsets).containsEntry(LABELED, new OffsetAndMetadata(3)).containsEntry(UNLABELED,
            new OffsetAndMetadata(1));
        assertThat(clients.producerProperties().get(0)).containsEntry("transactional.id", "distill-emitter-emitter-7");
    }

    @Test
    void shouldDropWhatWasScoredAheadOfAnAbortedTransactionAndReadItAgainFromTheLastCommit() throws Exception {
        useTeacher(1);
        output.commitTransactionException = new KafkaException("commit failed");
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED, UNLABELED));
            input.addRecord(record(LABELED, 0, row("a", 1)));
        });
        // polled while the first transaction commits, and scored ahead of it
        input.schedulePollTask(() -> input.addRecord(record(LABELED, 1, row("b", 2))));
        // after the abort: the emitter rewinds to the beginning (nothing committed) and reads both again
        input.schedulePollTask(() -> {
            output.commitTransactionException = null;
            input.addRecord(record(LABELED, 0, row("a", 1)));
            input.addRecord(record(LABELED, 1, row("b", 2)));
        });
        emitter.start();
        Await.until(() -> emitter.emitted() == 2, "both records committed", Duration.ofSeconds(20), emitter::failure);

        assertThat(output.history()).extracting(r -> LogitsCodec.decode(r.value()).id()).containsExactly("a", "b");
        assertThat(output.consumerGroupOffsetsHistory()).hasSize(1);
        assertThat(output.consumerGroupOffsetsHistory().get(0).values().iterator().next())
            .containsExactly(Map.entry(LABELED, new OffsetAndMetadata(2)));
    }

    @Test
    void shouldRetryACommitThatTimedOutWithoutAbortingOrReadingAgain() throws Exception {
        useTeacher(1);
        output.commitTransactionException = new TimeoutException("broker away");
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED, UNLABELED));
            input.addRecord(record(LABELED, 0, row("a", 1)));
        });
        emitter.start();
        Await.until(() -> emitter.health().detail().startsWith("waiting"), "the emitter waiting on its commit",
            Duration.ofSeconds(20), emitter::failure);
        assertThat(emitter.emitted()).as("counted before the commit").isZero();
        output.commitTransactionException = null;
        Await.until(() -> emitter.emitted() == 1, "the retried commit", Duration.ofSeconds(20), emitter::failure);

        assertThat(output.transactionAborted()).as("aborted").isFalse();
        assertThat(output.history()).extracting(r -> LogitsCodec.decode(r.value()).id()).containsExactly("a");
        assertThat(output.consumerGroupOffsetsHistory()).hasSize(1);
        assertThat(emitter.health().detail()).isEqualTo("running");
    }

    @Test
    void shouldFinishAnAbortThatTimedOutAndReadTheRecordsAgain() throws Exception {
        useTeacher(1);
        output.commitTransactionException = new KafkaException("commit failed");
        output.abortTransactionException = new TimeoutException("broker away");
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED, UNLABELED));
            input.addRecord(record(LABELED, 0, row("a", 1)));
        });
        emitter.start();
        Await.until(() -> emitter.health().detail().startsWith("waiting"), "the emitter waiting on its abort",
            Duration.ofSeconds(20), emitter::failure);
        input.schedulePollTask(() -> input.addRecord(record(LABELED, 0, row("a", 1))));
        output.commitTransactionException = null;
        output.abortTransactionException = null;
        Await.until(() -> emitter.emitted() == 1, "the record read again and committed", Duration.ofSeconds(20),
            emitter::failure);

        assertThat(output.consumerGroupOffsetsHistory()).hasSize(1);
        assertThat(output.consumerGroupOffsetsHistory().get(0).values().iterator().next())
            .containsExactly(Map.entry(LABELED, new OffsetAndMetadata(1)));
    }

    @Test
    void shouldNotReadAgainWhatItSawCommitWhenTheGroupsCommittedOffsetsLagBehind() throws Exception {
        useTeacher(1);
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED, UNLABELED));
            input.addRecord(record(LABELED, 0, row("a", 1)));
        });
        input.schedulePollTask(() -> { }); // polled while a commits: nothing
        input.schedulePollTask(() -> {
            output.commitTransactionException = new KafkaException("commit failed");
            input.addRecord(record(LABELED, 1, row("b", 2)));
        });
        input.schedulePollTask(() -> { }); // polled while b fails to commit
        // after the abort the group answers no committed offset (the mock's offsets never move, as the broker's
        // lagged after a restart) and both records come again
        input.schedulePollTask(() -> {
            output.commitTransactionException = null;
            input.addRecord(record(LABELED, 0, row("a", 1)));
            input.addRecord(record(LABELED, 1, row("b", 2)));
        });
        emitter.start();
        Await.until(() -> emitter.emitted() == 2, "a, then b after the abort", Duration.ofSeconds(20), emitter::failure);
        Thread.sleep(300);

        assertThat(output.history()).extracting(r -> LogitsCodec.decode(r.value()).id()).containsExactly("a", "b");
        assertThat(emitter.emitted()).isEqualTo(2);
    }

    @Test
    void shouldCountADeadLetterOnceWhenItsTransactionAbortsAndThePollIsReadAgain() throws Exception {
        useTeacher(1);
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED, UNLABELED));
            input.addRecord(record(LABELED, 0, row("a", 1)));
            input.addRecord(record(LABELED, 1, "{broken"));
            output.commitTransactionException = new KafkaException("injected commit failure");
        });
        // the poll made while the first transaction commits finds nothing new
        input.schedulePollTask(() -> { });
        input.schedulePollTask(() -> {
            output.commitTransactionException = null;
            input.addRecord(record(LABELED, 0, row("a", 1)));
            input.addRecord(record(LABELED, 1, "{broken"));
        });
        emitter.start();

        Await.until(() -> emitter.emitted() == 1, "the retried transaction", Duration.ofSeconds(20), emitter::failure);
        assertThat(output.transactionAborted()).isFalse();
        assertThat(metrics.scrape())
            .contains("distill_records_rejected_total{reason=\"malformed-json\",role=\"teacher\"} 1.0");
    }

    @Test
    void shouldFailNamingTheEmitterIdWhenAnotherReplicaFencesIt() throws Exception {
        useTeacher(1);
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED, UNLABELED));
            input.addRecord(record(LABELED, 0, row("a", 1)));
            output.fenceProducer();
        });
        emitter.start();

        assertThat(emitter.awaitStop(Duration.ofSeconds(20))).isTrue();
        assertThat(emitter.failure()).hasMessageContaining("teacher.emitter.id=emitter-7");
        assertThat(emitter.health().healthy()).isFalse();
        assertThat(input.closed()).isTrue();
    }
}
