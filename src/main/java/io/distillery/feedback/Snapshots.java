package io.distillery.feedback;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/** Reading of detector snapshots: version check and uniform errors for truncated or trailing bytes. */
final class Snapshots {
    private Snapshots() {
    }

    static void read(byte[] bytes, String kind, byte version, Consumer<ByteBuffer> body) {
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException(kind + " snapshot is empty");
        }
        if (bytes[0] != version) {
            throw new IllegalArgumentException(kind + " snapshot has unknown format version " + bytes[0]);
        }
        ByteBuffer b = ByteBuffer.wrap(bytes, 1, bytes.length - 1);
        try {
            body.accept(b);
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException(kind + " snapshot is truncated (" + bytes.length + " bytes)", e);
        }
        if (b.hasRemaining()) {
            throw new IllegalArgumentException(kind + " snapshot has " + b.remaining() + " trailing bytes");
        }
    }
}
