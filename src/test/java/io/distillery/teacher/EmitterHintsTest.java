package io.distillery.teacher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.distillery.config.Config;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.Forward;
import io.distillery.model.Network;
import io.distillery.model.OnnxExport;
import io.distillery.model.OnnxGraphs;
import io.distillery.modelstore.OnnxGate;
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
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.MockProducer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/**
 * The emitter's hints come from the configured engine: ONNX Runtime's {@code hidden} output, DL4J's forward pass,
 * or DL4J for a teacher graph written before it had that output. The teacher's network and graph are deliberately
 * two different networks here, so each message shows which engine computed it.
 */
class EmitterHintsTest {
    private static final TopicPartition LABELED = new TopicPartition(Topics.LABELED.name(), 0);
    private static final float[][] ROW = {{0.1f, 0.2f, 0.3f, 0.4f}};
    private static final Map<String, String> SETTINGS = Map.of("kafka.bootstrap.servers", "mock:9092",
        "data.features", "4", "data.classes", "3", "teacher.hidden", "8,6", "student.hint.weight", "0.1");
    /** The teacher's network, which DL4J runs. */
    private final Network dl4j = Network.teacher(TeacherSettings.from(config("dl4j")).network());
    /** Another network, whose graph the teacher carries for ONNX Runtime. */
    private final Network onnx = Network.teacher(TeacherSettings.from(config("dl4j")).network().withSeed(99));

    @Test
    void shouldSendOnnxRuntimesHiddenOutputOnTheOnnxEngine() throws Exception {
        LogitsMessage m = emitOne("onnx", OnnxExport.export(onnx, Map.of()));

        Forward expected = onnx.forward(ROW);
        assertThat(m.hidden()).hasSize(6);
        assertClose(m.hidden(), expected.hidden()[0]);
        assertClose(m.logits(), expected.logits()[0]);
        assertThat(m.hidden()).isNotEqualTo(dl4j.forward(ROW).hidden()[0]);
    }

    @Test
    void shouldSendDl4jsHiddenLayerOnTheDl4jEngine() throws Exception {
        LogitsMessage m = emitOne("dl4j", OnnxExport.export(onnx, Map.of()));

        Forward expected = dl4j.forward(ROW);
        assertThat(m.hidden()).containsExactly(expected.hidden()[0]);
        assertThat(m.logits()).containsExactly(expected.logits()[0]);
    }

    @Test
    void shouldFallBackToDl4jForATeacherGraphWithoutHiddenOutput() throws Exception {
        LogitsMessage m = emitOne("onnx", OnnxGraphs.withoutHidden(OnnxExport.export(onnx, Map.of())));

        Forward expected = dl4j.forward(ROW);
        assertThat(m.hidden()).containsExactly(expected.hidden()[0]);
        assertThat(m.logits()).containsExactly(expected.logits()[0]);
    }

    private static Config config(String engine) {
        return Config.of(SETTINGS).with(Map.of("inference.engine", engine));
    }

    /** The message of one labeled record, emitted on {@code engine} with teacher v1 = ({@link #dl4j}, graph). */
    private LogitsMessage emitOne(String engine, byte[] graph) throws Exception {
        Config config = config(engine);
        FakeClients clients = new FakeClients();
        PacedConsumer input = clients.next(FakeClients.consumerOf(Map.of(LABELED.topic(), 0L,
            Topics.UNLABELED.name(), 0L)));
        MockProducer<byte[], byte[]> output = clients.next(FakeClients.producer());
        TeacherModel teacher = new TeacherModel(1, dl4j, graph);
        input.schedulePollTask(() -> {
            input.rebalance(List.of(LABELED));
            input.addRecord(new ConsumerRecord<>(LABELED.topic(), 0, 0, null,
                "{\"id\":\"a\",\"features\":[0.1,0.2,0.3,0.4],\"label\":1}".getBytes(StandardCharsets.UTF_8)));
        });
        try (RoleMetrics metrics = new RoleMetrics("teacher");
             Emitter emitter = new Emitter(TeacherSettings.from(config), config, clients, () -> teacher,
                 EmissionGate.ALWAYS, metrics, Duration.ofMinutes(1), Clock.systemUTC())) {
            emitter.start();
            Await.until(() -> emitter.emitted() == 1, "the record's logits committed", Duration.ofSeconds(20),
                emitter::failure);
        }
        assertThat(output.history()).hasSize(1);
        LogitsMessage m = LogitsCodec.decode(output.history().get(0).value());
        assertThat(m.hasHint()).isTrue();
        return m;
    }

    private static void assertClose(float[] actual, float[] expected) {
        assertThat(actual).hasSameSizeAs(expected);
        for (int i = 0; i < expected.length; i++) {
            assertThat((double) actual[i]).as("value %d", i).isCloseTo(expected[i], within(OnnxGate.TOLERANCE));
        }
    }
}
