package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import io.distillery.spec.NetworkSpec;
import io.distillery.testing.ExternalTool;
import io.distillery.testing.TrainedNetworks;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OnnxExportTest {
    private static final Map<String, String> META = Map.of("model", "student", "version", "12", "snapshot",
        "student-12-abc");

    @Test
    void shouldWriteOpset13ModelWithNamedBatchInputAndOutput() throws Exception {
        ModelProto model = parse(TrainedNetworks.student(spec(List.of(6), "relu"), 2));

        assertThat(model.getIrVersion()).isEqualTo(8);
        assertThat(model.getOpsetImportList()).singleElement().satisfies(opset -> {
            assertThat(opset.getDomain()).isEmpty();
            assertThat(opset.getVersion()).isGreaterThanOrEqualTo(13);
        });
        assertThat(model.getProducerName()).isEqualTo("distillery");
        assertThat(model.getDocString()).isEqualTo("student 11-6-3 after 2 steps");
        GraphProto graph = model.getGraph();
        assertThat(graph.getInputList()).singleElement().satisfies(in -> assertFloatMatrix(in, "input", 11));
        assertThat(graph.getOutputList()).singleElement().satisfies(out -> assertFloatMatrix(out, "logits", 3));
    }

    @Test
    void shouldCarryCallerMetadataInKeyOrder() throws Exception {
        ModelProto model = parse(TrainedNetworks.teacher(spec(List.of(), "tanh"), 1));

        assertThat(model.getMetadataPropsList()).extracting(StringStringEntryProto::getKey)
            .containsExactly("model", "snapshot", "version");
        assertThat(model.getMetadataPropsList()).extracting(StringStringEntryProto::getValue)
            .containsExactly("student", "student-12-abc", "12");
    }

    @Test
    void shouldWriteGemmAndActivationPerHiddenLayerThenGemmAndIdentity() throws Exception {
        GraphProto deep = parse(TrainedNetworks.teacher(spec(List.of(5, 1, 4), "leakyrelu"), 1)).getGraph();
        GraphProto flat = parse(TrainedNetworks.teacher(spec(List.of(), "sigmoid"), 1)).getGraph();

        assertThat(deep.getNodeList()).extracting(NodeProto::getOpType).containsExactly(
            "Gemm", "LeakyRelu", "Gemm", "LeakyRelu", "Gemm", "LeakyRelu", "Gemm", "Identity", "Identity");
        assertThat(attribute(deep.getNode(1), "alpha").getF()).isEqualTo(0.01f);
        assertThat(attribute(deep.getNode(0), "transB").getI()).isZero();
        assertThat(deep.getNode(7).getOutput(0)).isEqualTo("logits");
        assertThat(flat.getNodeList()).extracting(NodeProto::getOpType).containsExactly("Gemm", "Identity");
        for (String activation : List.of("relu", "tanh", "sigmoid")) {
            GraphProto g = parse(TrainedNetworks.teacher(spec(List.of(2), activation), 1)).getGraph();
            assertThat(g.getNode(1).getOpType()).isEqualToIgnoringCase(activation);
        }
    }

    @Test
    void shouldStoreDl4jWeightsAsFloatInitializers() throws Exception {
        Network network = TrainedNetworks.teacher(spec(List.of(7), "relu"), 3);
        GraphProto graph = parse(network).getGraph();

        assertThat(graph.getInitializerList()).extracting(TensorProto::getName)
            .containsExactly("W0", "b0", "W1", "b1");
        TensorProto w0 = graph.getInitializer(0);
        assertThat(w0.getDataType()).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        assertThat(w0.getDimsList()).containsExactly(11L, 7L);
        assertThat(graph.getInitializer(3).getDimsList()).containsExactly(3L);
        float[][] w = network.dl4j().getLayer(0).getParam("W").toFloatMatrix();
        float[] raw = floats(w0);
        assertThat(raw).hasSize(11 * 7);
        assertThat(raw[1 * 7 + 5]).isEqualTo(w[1][5]);
        assertThat(floats(graph.getInitializer(3)))
            .containsExactly(network.dl4j().getLayer(1).getParam("b").toFloatVector());
    }

    @Test
    void shouldGiveATeacherGraphItsLastHiddenLayerAsSecondOutputAndAStudentGraphOnlyLogits() throws Exception {
        GraphProto teacher = parse(TrainedNetworks.teacher(spec(List.of(5, 1, 4), "tanh"), 1)).getGraph();
        GraphProto student = parse(TrainedNetworks.student(spec(List.of(5, 4), "tanh"), 1)).getGraph();
        GraphProto flat = parse(TrainedNetworks.teacher(spec(List.of(), "tanh"), 1)).getGraph();

        assertThat(teacher.getOutputList()).hasSize(2);
        assertFloatMatrix(teacher.getOutput(0), "logits", 3);
        assertFloatMatrix(teacher.getOutput(1), "hidden", 4);
        NodeProto hidden = teacher.getNode(teacher.getNodeCount() - 1);
        assertThat(hidden.getOpType()).isEqualTo("Identity");
        assertThat(hidden.getInputList()).containsExactly("h2");
        assertThat(hidden.getOutputList()).containsExactly("hidden");
        assertThat(student.getOutputList()).extracting(ValueInfoProto::getName).containsExactly("logits");
        assertThat(flat.getOutputList()).extracting(ValueInfoProto::getName).containsExactly("logits");
    }

    @Test
    void shouldConcatenateAnEnsemblesLastHiddenLayersInMemberOrder() throws Exception {
        Network ensemble = Network.ensemble(List.of(spec(List.of(6, 5), "relu"), spec(List.of(2), "relu")));
        GraphProto graph = ModelProto.parseFrom(OnnxExport.export(ensemble, META)).getGraph();

        assertThat(graph.getOutputList()).hasSize(2);
        assertFloatMatrix(graph.getOutput(0), "logits", 3);
        assertFloatMatrix(graph.getOutput(1), "hidden", 5 + 2);
        NodeProto concat = graph.getNode(graph.getNodeCount() - 1);
        assertThat(concat.getOpType()).isEqualTo("Concat");
        assertThat(attribute(concat, "axis").getI()).isEqualTo(1);
        assertThat(concat.getInputList()).containsExactly("m0_h1", "m1_h0");
        assertThat(graph.getNode(graph.getNodeCount() - 2).getOpType()).isEqualTo("Mean");
    }

    @Test
    void shouldWriteSameBytesForSameNetworkAndMetadata() {
        Network network = TrainedNetworks.student(spec(List.of(4), "tanh"), 2);

        assertThat(OnnxExport.export(network, new HashMap<>(META))).isEqualTo(OnnxExport.export(network, META));
    }

    @Test
    void shouldRejectEmptyMetadataKey() {
        Network network = TrainedNetworks.teacher(spec(List.of(), "relu"), 1);

        assertThatThrownBy(() -> OnnxExport.export(network, Map.of("", "x")))
            .isInstanceOf(IllegalArgumentException.class)
            .hasMessage("metadata keys must not be empty, was \"\" = x");
    }

    @Test
    void shouldPassOnnxCheckerOfTheOnnxProject(@TempDir Path dir) throws IOException {
        Path student = dir.resolve("student.onnx");
        Path teacher = dir.resolve("teacher.onnx");
        Path ensemble = dir.resolve("ensemble.onnx");
        Files.write(student, OnnxExport.export(TrainedNetworks.student(spec(List.of(8, 1, 5), "leakyrelu"), 2), META));
        Files.write(teacher, OnnxExport.export(TrainedNetworks.teacher(spec(List.of(8, 5), "leakyrelu"), 2), META));
        Files.write(ensemble, OnnxExport.export(Network.ensemble(List.of(spec(List.of(8, 5), "relu"),
            spec(List.of(4), "relu"))), META));
        ExternalTool python = ExternalTool.debianPython3();

        ExternalTool.Result r = python.run(dir, "-c", String.join("\n",
            "import onnx, sys",
            "for f in sys.argv[1:]:",
            "    m = onnx.load(f)",
            "    onnx.checker.check_model(m, full_check=True)",
            "    print('checked', m.ir_version, m.opset_import[0].version, [o.name for o in m.graph.output])"),
            student.toString(), teacher.toString(), ensemble.toString());

        assertThat(r.exitCode()).as("onnx.checker on %s (needs %s):%n%s", dir, python.installHint(), r.output())
            .isZero();
        assertThat(r.output()).contains("checked 8 13 ['logits']\n")
            .contains("checked 8 13 ['logits', 'hidden']\n" + "checked 8 13 ['logits', 'hidden']");
    }

    private static NetworkSpec spec(List<Integer> hidden, String activation) {
        return TrainedNetworks.spec(11, hidden, 3, activation, hidden.size());
    }

    private static ModelProto parse(Network network) throws InvalidProtocolBufferException {
        return ModelProto.parseFrom(OnnxExport.export(network, META));
    }

    private static void assertFloatMatrix(ValueInfoProto value, String name, int width) {
        assertThat(value.getName()).isEqualTo(name);
        assertThat(value.getType().getTensorType().getElemType()).isEqualTo(TensorProto.DataType.FLOAT_VALUE);
        List<TensorShapeProto.Dimension> dims = value.getType().getTensorType().getShape().getDimList();
        assertThat(dims).hasSize(2);
        assertThat(dims.get(0).getDimParam()).isEqualTo("N");
        assertThat(dims.get(1).getDimValue()).isEqualTo(width);
    }

    private static AttributeProto attribute(NodeProto node, String name) {
        return node.getAttributeList().stream().filter(a -> a.getName().equals(name)).findFirst().orElseThrow();
    }

    private static float[] floats(TensorProto t) {
        float[] values = new float[t.getRawData().size() / Float.BYTES];
        ByteBuffer.wrap(t.getRawData().toByteArray()).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(values);
        return values;
    }
}
