package io.distillery.modelstore;

import io.distillery.snapshot.SnapshotManifest;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.Base64;

/**
 * A network's outputs on the {@link OnnxGate}'s probe batch, as its writer checked the ONNX graph against them,
 * and their form in the snapshot's manifest ({@code probeLogits}, {@code probeHidden}): base64 of little-endian
 * float32, row after row, exact to the bit.
 *
 * @param logits {@code [probe rows][outputs]}
 * @param hidden {@code [probe rows][hidden width]} when the graph has a hidden output, else null
 */
public record ProbeOutputs(float[][] logits, float[][] hidden) {

    /** {@code manifest} with these outputs recorded in it. */
    public SnapshotManifest recordIn(SnapshotManifest manifest) {
        return manifest.toBuilder().probe(encode(logits), hidden == null ? "" : encode(hidden)).build();
    }

    static String encode(float[][] rows) {
        int width = rows.length == 0 ? 0 : rows[0].length;
        ByteBuffer out = ByteBuffer.allocate(rows.length * width * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
        FloatBuffer floats = out.asFloatBuffer();
        for (float[] row : rows) {
            if (row.length != width) {
                throw new IllegalArgumentException("ragged rows: " + row.length + " and " + width);
            }
            floats.put(row);
        }
        return Base64.getEncoder().encodeToString(out.array());
    }

    /** The rows {@link #encode} wrote; null when the text is empty or not {@code rows × width} floats. */
    static float[][] decode(String text, int rows, int width) {
        byte[] bytes = Base64.getDecoder().decode(text);
        if (bytes.length == 0 || width <= 0 || bytes.length != (long) rows * width * Float.BYTES) {
            return null;
        }
        FloatBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
        float[][] out = new float[rows][width];
        for (float[] row : out) {
            in.get(row);
        }
        return out;
    }
}
