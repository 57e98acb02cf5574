package io.distillery.records;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Binary encoding of {@link EvalMessage}, big-endian. Format 1: version byte {@code 1}; record id as an
 * unsigned 16-bit byte length and UTF-8 bytes; event time, teacher version and student version (int64);
 * label, teacher class and student class (int32); KL (float64). 47 bytes plus the id. Stateless and
 * thread-safe.
 */
public final class EvalCodec {
    /** The format this codec writes. */
    public static final byte VERSION = 1;
    private static final int MAX_ID_BYTES = 0xFFFF;

    private EvalCodec() {
    }

    /** @throws IllegalArgumentException when the record id is longer than 65535 UTF-8 bytes */
    public static byte[] encode(EvalMessage m) {
        byte[] id = m.recordId().getBytes(StandardCharsets.UTF_8);
        if (id.length > MAX_ID_BYTES) {
            throw new IllegalArgumentException("record id longer than " + MAX_ID_BYTES + " bytes: " + id.length);
        }
        return ByteBuffer.allocate(47 + id.length).put(VERSION).putShort((short) id.length).put(id)
            .putLong(m.eventTimeMs()).putLong(m.teacherVersion()).putLong(m.studentVersion())
            .putInt(m.label()).putInt(m.teacherClass()).putInt(m.studentClass()).putDouble(m.kl()).array();
    }

    /**
     * @throws IllegalArgumentException naming the version when it is not 1, or when the bytes are
     *     truncated, carry trailing bytes or hold invalid values
     */
    public static EvalMessage decode(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("eval message is empty");
        }
        if (bytes[0] != VERSION) {
            throw new IllegalArgumentException("unknown eval message format version " + bytes[0]);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        try {
            byte[] id = new byte[Short.toUnsignedInt(b.getShort())];
            b.get(id);
            EvalMessage m = new EvalMessage(new String(id, StandardCharsets.UTF_8), b.getLong(), b.getLong(),
                b.getLong(), b.getInt(), b.getInt(), b.getInt(), b.getDouble());
            if (b.hasRemaining()) {
                throw new IllegalArgumentException("eval message has " + b.remaining() + " trailing bytes");
            }
            return m;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("eval message is truncated (" + bytes.length + " bytes)", e);
        }
    }
}
