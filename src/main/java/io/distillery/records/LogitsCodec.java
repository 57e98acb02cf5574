package io.distillery.records;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary encoding of {@link LogitsMessage}, big-endian. Format 1: version byte {@code 1}; record id as
 * an unsigned 16-bit byte length and UTF-8 bytes; event time and teacher version (int64); label (int32);
 * feature count (int32) and the features (float32); class count (int32) and the logits (float32).
 * Readers reject other versions by name, so a rolling upgrade can add a format 2 beside this one.
 * Stateless and thread-safe.
 */
public final class LogitsCodec {
    public static final byte VERSION = 1;
    private static final int MAX_ID_BYTES = 0xFFFF;
    private static final int MAX_WIDTH = 1 << 20;

    private LogitsCodec() {
    }

    public static byte[] encode(LogitsMessage m) {
        byte[] id = m.id().getBytes(StandardCharsets.UTF_8);
        if (id.length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("record id longer than " + MAX_ID_BYTES + " bytes: " + id.length);
        }
        ByteBuffer b = ByteBuffer.allocate(1 + 2 + id.length + 8 + 8 + 4 + 4 + 4 * m.features().length + 4
            + 4 * m.logits().length);
        b.put(VERSION).putShort((short) id.length).put(id).putLong(m.ts()).putLong(m.teacherVersion())
            .putInt(m.label()).putInt(m.features().length);
        for (float f : m.features()) {
            b.putFloat(f);
        }
        b.putInt(m.logits().length);
        for (float f : m.logits()) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** @throws IllegalArgumentException naming the problem: unknown version, truncation, trailing bytes */
    public static LogitsMessage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("logits message is empty");
        }
        if (bytes[0] != VERSION) {
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
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("logits message has " + b.remaining() + " trailing bytes");
            }
            return new LogitsMessage(new String(id, StandardCharsets.UTF_8), ts, label, teacherVersion, features, logits);
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
