package io.distillery.model;

import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;

/** Exported graphs changed the way older or foreign writers shape them: for the tests of their readers. */
public final class OnnxGraphs {
    private OnnxGraphs() {
    }

    /**
     * A teacher's graph as written before it had a {@value OnnxExport#HIDDEN} output: that output and the node
     * that makes it left out, the rest as it was.
     */
    public static byte[] withoutHidden(byte[] onnx) {
        GraphProto.Builder graph = parse(onnx).getGraph().toBuilder();
        List<ValueInfoProto> outputs = new ArrayList<>(graph.getOutputList());
        List<NodeProto> nodes = new ArrayList<>(graph.getNodeList());
        outputs.removeIf(o -> o.getName().equals(OnnxExport.HIDDEN));
        nodes.removeIf(n -> n.getOutputList().contains(OnnxExport.HIDDEN));
        graph.clearOutput().addAllOutput(outputs).clearNode().addAllNode(nodes);
        return parse(onnx).toBuilder().setGraph(graph).build().toByteArray();
    }

    /** The same graph with its outputs listed in reverse order (logits last). */
    public static byte[] withOutputsReversed(byte[] onnx) {
        GraphProto.Builder graph = parse(onnx).getGraph().toBuilder();
        List<ValueInfoProto> outputs = new ArrayList<>(graph.getOutputList());
        graph.clearOutput();
        for (int i = outputs.size() - 1; i >= 0; i--) {
            graph.addOutput(outputs.get(i));
        }
        return parse(onnx).toBuilder().setGraph(graph).build().toByteArray();
    }

    private static ModelProto parse(byte[] onnx) {
        try {
            return ModelProto.parseFrom(onnx);
        } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("not an ONNX model: " + e.getMessage(), e);
        }
    }
}
