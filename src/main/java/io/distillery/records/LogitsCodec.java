package io.distillery.records;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary encoding of {@link LogitsMessage}, big-endian. Format 1: version byte {@code 1}; record id as
 * an unsigned 16-bit byte length and UTF-8 bytes; event time and teacher version (int64); label (int32);
 * feature count (int32) and the features (float32); class count (int32) and the logits (float32).
 * Format 2, written only for a message that carries a hint: version byte {@code 2}, the fields of format 1,
 * then the hidden width (int32, {@code > 0}) and the teacher's hidden layer (float32). A message without a
 * hint is written in format 1, so readers of format 1 only keep reading everything but hints; they refuse
 * format 2 by its version ("unknown logits message format version 2"), and the student dead-letters it with
 * that reason. This reader reads both and refuses other versions by name. Stateless and thread-safe.
 */
public final class LogitsCodec {
    /** Format of a message without a hint. */
    public static final byte VERSION = 1;
    /** Format of a message with a hint. */
    public static final byte VERSION_HINT = 2;
    private static final int MAX_ID_BYTES = 0xFFFF;
    private static final int MAX_WIDTH = 1 << 20;

    private LogitsCodec() {
    }

    public static byte[] encode(LogitsMessage m) {
        byte[] id = m.id().getBytes(StandardCharsets.UTF_8);
        if (id.length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("record id longer than " + MAX_ID_BYTES + " bytes: " + id.length);
        }
        int hint = m.hasHint() ? 4 + 4 * m.hidden().length : 0;
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + id.length + 8 + 8 + 4 + 4 + 4 * m.features().length + 4
            + 4 * m.logits().length + hint);
        b.put(m.hasHint() ? VERSION_HINT : VERSION).putShort((short) id.length).put(id).putLong(m.ts()).putLong(m.teacherVersion())
            .putInt(m.label()).putInt(m.features().length);
        for (float f : m.features()) {
            b.putFloat(f);
        }
        b.putInt(m.logits().length);
        for (float f : m.logits()) {
            b.putFloat(f);
        }
        if (m.hasHint()) {
            b.putInt(m.hidden().length);
            for (float f : m.hidden()) {
                b.putFloat(f);
            }
        }
        return b.array();
    }

    /** @throws IllegalArgumentException naming the problem: unknown version, truncation, trailing bytes */
    public static LogitsMessage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("logits message is empty");
        }
        if (bytes[0] != VERSION && bytes[0] != VERSION_HINT) {
            throw new IllegalArgumentException("unknown logits message format version " + bytes[0]);
        }
        try {
            ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
            byte[] id = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(id);
            long ts = b.getLong();
            long teacherVersion = b.getLong();
            int label = b.getInt();
            float[] features = floats(b);
            float[] logits = floats(b);
            float[] hidden = bytes[0] == VERSION_HINT ? floats(b) : new float[0];
            if (bytes[0] == VERSION_HINT && hidden.length == 0) {
                throw new IllegalArgumentException("logits message of format 2 has an empty hint");
            }
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("logits message has " + b.remaining() + " trailing bytes");
            }
            return new LogitsMessage(new String(id, StandardCharsets.UTF_8), ts, label, teacherVersion, features, logits,
                hidden);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("logits message is truncated", e);
        }
    }

    private static float[] floats(ByteBuffer b) {
        int n = b.getInt();
        if (n < 0 || n > MAX_WIDTH || n * 4L > b.remaining()) {
            throw new IllegalArgumentException("logits message declares " + n + " values, has room for "
                + b.remaining() / 4);
        }
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = b.getFloat();
        }
        return out;
    }
}
