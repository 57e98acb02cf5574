package io.distillery.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed binary encoding of a {@link Snapshot}, the value of a snapshot-topic message. Writes
 * format version 2; reads versions 1 and 2.
 *
 * <pre>
 * offset        size  content
 * 0             4     magic "DSNP" (ASCII)
 * 4             1     format version, 2
 * 5             4     M: manifest length, signed big-endian int, 0 &lt; M &lt;= 1 MiB
 * 9             M     manifest, UTF-8 JSON (field names of {@link SnapshotManifest}, map keys sorted)
 * 9+M           4     N: model length, signed big-endian int, N &gt;= 0
 * 13+M          N     model bytes (a serialized network)
 * 13+M+N        4     X: ONNX length, signed big-endian int, X &gt;= 0; 0 when there is none
 * 17+M+N        X     ONNX bytes (the same network as an ONNX graph)
 * 17+M+N+X      32    HMAC-SHA256 of bytes [0, 17+M+N+X) under the shared key
 * </pre>
 *
 * <p>Format version 1 is the same up to the model bytes, and has neither ONNX length nor ONNX
 * bytes: its HMAC, at 13+M+N, covers [0, 13+M+N). It decodes to a snapshot without an ONNX section.
 *
 * <p>{@link #decode(byte[])} checks, in this order, and stops at the first failure: length and
 * magic ({@link Rejection#CORRUPT}); format version ({@link Rejection#UNSUPPORTED_FORMAT}),
 * before the lengths because a future format may lay them out differently; that the lengths
 * add up to the array ({@code CORRUPT}), before anything is allocated; the HMAC, compared in
 * constant time ({@link Rejection#BAD_SIGNATURE}); that the manifest parses ({@code CORRUPT});
 * the model's SHA-256 against the manifest's {@code modelSha256}, then the ONNX bytes' against its
 * {@code onnxSha256} ({@link Rejection#CHECKSUM_MISMATCH}). An empty {@code onnxSha256} names no
 * ONNX section, so a manifest naming one that the message lacks, or lacking one the message has,
 * is a {@code CHECKSUM_MISMATCH} like any other disagreement between a signed manifest and the
 * bytes it describes (the layout itself is sound). Unknown manifest fields are ignored so that a
 * newer writer can add some without a new format version.
 *
 * <p>Thread-safe: the key is copied in and each call uses its own {@link Mac}.
 */
public final class SnapshotCodec {

    /** The minimum HMAC key length in bytes. */
    public static final int MIN_KEY_BYTES = 16;
    static final byte[] MAGIC = {'D', 'S', 'N', 'P'};
    /** The version {@link #encode} writes. */
    static final byte FORMAT_VERSION = 2;
    /** The version before the ONNX section, still read. */
    static final byte FORMAT_VERSION_1 = 1;
    static final int MAX_MANIFEST_BYTES = 1 << 20;
    private static final int MAC_BYTES = 32;
    private static final int HEADER_BYTES = MAGIC.length + 1;
    /** The shortest message of either version: a version-1 one with empty sections. */
    private static final int MIN_TOTAL = HEADER_BYTES + 4 + 4 + MAC_BYTES;
    /** The shortest version-2 message: one more length field. */
    private static final int MIN_TOTAL_V2 = MIN_TOTAL + 4;
    private static final String HMAC = "HmacSHA256";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final SecretKeySpec key;

    /** Where the sections of a message are, once their lengths are known to add up. */
    private record Layout(int manifestStart, int manifestLength, int modelStart, int modelLength,
                          int onnxStart, int onnxLength, int signedLength) {
    }

    /**
     * @param hmacKey the shared secret, at least {@value #MIN_KEY_BYTES} bytes
     * @throws IllegalArgumentException if the key is shorter
     */
    public SnapshotCodec(byte[] hmacKey) {
        Objects.requireNonNull(hmacKey, "hmac key must not be null");
        if (hmacKey.length < MIN_KEY_BYTES) {
            throw new IllegalArgumentException("hmac key must be at least " + MIN_KEY_BYTES
                    + " bytes, was " + hmacKey.length);
        }
        this.key = new SecretKeySpec(hmacKey.clone(), HMAC);
    }

    /**
     * Encodes and signs a snapshot in format version {@value #FORMAT_VERSION}, with an empty ONNX
     * section when it has none.
     *
     * @throws IllegalArgumentException if the model or ONNX bytes do not match the manifest's
     *                                  checksums (build snapshots with {@link Snapshot#of})
     */
    public byte[] encode(Snapshot snapshot) {
        if (!snapshot.checksumMatches()) {
            throw new IllegalArgumentException("snapshot " + snapshot.manifest().id()
                    + ": modelSha256 or onnxSha256 does not match the bytes; build it with Snapshot.of");
        }
        byte[] manifest = manifestJson(snapshot.manifest());
        byte[] model = snapshot.bytesNoCopy();
        byte[] onnx = snapshot.onnxNoCopy();
        ByteBuffer out = ByteBuffer.allocate(MIN_TOTAL_V2 + manifest.length + model.length + onnx.length);
        out.put(MAGIC).put(FORMAT_VERSION)
                .putInt(manifest.length).put(manifest)
                .putInt(model.length).put(model)
                .putInt(onnx.length).put(onnx);
        out.put(mac(out.array(), out.position()));
        return out.array();
    }

    /**
     * Verifies and decodes a snapshot of format version 1 or 2.
     *
     * @throws SnapshotException with the reason of the first check that failed (see the class doc)
     */
    public Snapshot decode(byte[] bytes) throws SnapshotException {
        if (bytes == null || bytes.length < MIN_TOTAL) {
            throw corrupt("too short: " + (bytes == null ? "null" : bytes.length + " bytes"));
        }
        if (!Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            throw corrupt("bad magic, not a Distillery snapshot");
        }
        byte version = bytes[MAGIC.length];
        if (version != FORMAT_VERSION && version != FORMAT_VERSION_1) {
            throw new SnapshotException(Rejection.UNSUPPORTED_FORMAT, "format version " + version
                    + ", this reader knows " + FORMAT_VERSION_1 + " and " + FORMAT_VERSION);
        }
        Layout at = layout(bytes, version == FORMAT_VERSION);
        byte[] expected = mac(bytes, at.signedLength());
        byte[] actual = Arrays.copyOfRange(bytes, at.signedLength(), bytes.length);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new SnapshotException(Rejection.BAD_SIGNATURE,
                    "HMAC does not match: tampered, or signed with another key");
        }
        SnapshotManifest manifest = parseManifest(bytes, at.manifestStart(), at.manifestLength());
        Snapshot snapshot = new Snapshot(manifest,
                Arrays.copyOfRange(bytes, at.modelStart(), at.modelStart() + at.modelLength()),
                Arrays.copyOfRange(bytes, at.onnxStart(), at.onnxStart() + at.onnxLength()));
        requireChecksums(snapshot);
        return snapshot;
    }

    /** The sections of a message, or {@code CORRUPT} if their lengths do not add up to its size. */
    private static Layout layout(byte[] bytes, boolean withOnnx) throws SnapshotException {
        int minTotal = withOnnx ? MIN_TOTAL_V2 : MIN_TOTAL;
        ByteBuffer in = ByteBuffer.wrap(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES);
        int manifestLength = in.getInt();
        if (manifestLength <= 0 || manifestLength > MAX_MANIFEST_BYTES
                || manifestLength > bytes.length - minTotal) {
            throw corrupt("manifest length " + manifestLength + " does not fit " + bytes.length
                    + " bytes");
        }
        int manifestStart = in.position();
        in.position(manifestStart + manifestLength);
        int modelLength = in.getInt();
        int modelStart = in.position();
        long modelEnd = (long) modelStart + modelLength;
        // version 1 ends with the model and the HMAC; version 2 has at least an ONNX length between them
        boolean fits = withOnnx
                ? modelEnd + 4 + MAC_BYTES <= bytes.length
                : modelEnd + MAC_BYTES == bytes.length;
        if (modelLength < 0 || !fits) {
            throw corrupt("model length " + modelLength + " does not fit " + bytes.length + " bytes");
        }
        if (!withOnnx) {
            return new Layout(manifestStart, manifestLength, modelStart, modelLength,
                    modelStart + modelLength, 0, modelStart + modelLength);
        }
        in.position(modelStart + modelLength);
        int onnxLength = in.getInt();
        int onnxStart = in.position();
        if (onnxLength < 0 || (long) onnxStart + onnxLength + MAC_BYTES != bytes.length) {
            throw corrupt("ONNX length " + onnxLength + " does not fit " + bytes.length + " bytes");
        }
        return new Layout(manifestStart, manifestLength, modelStart, modelLength,
                onnxStart, onnxLength, onnxStart + onnxLength);
    }

    private static void requireChecksums(Snapshot snapshot) throws SnapshotException {
        SnapshotManifest manifest = snapshot.manifest();
        if (!snapshot.modelChecksumMatches()) {
            throw new SnapshotException(Rejection.CHECKSUM_MISMATCH, "model bytes of "
                    + manifest.id() + " do not hash to " + manifest.modelSha256());
        }
        if (snapshot.onnxChecksumMatches()) {
            return;
        }
        String problem;
        if (!snapshot.hasOnnx()) {
            problem = "has no ONNX section, but its manifest names onnxSha256 " + manifest.onnxSha256();
        } else if (!manifest.hasOnnx()) {
            problem = "has " + snapshot.onnxSize() + " ONNX bytes that its manifest does not name";
        } else {
            problem = "has ONNX bytes that do not hash to " + manifest.onnxSha256();
        }
        throw new SnapshotException(Rejection.CHECKSUM_MISMATCH, manifest.id() + " " + problem);
    }

    private static byte[] manifestJson(SnapshotManifest manifest) {
        try {
            return JSON.writeValueAsBytes(manifest);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write manifest " + manifest.id(), e);
        }
    }

    private static SnapshotManifest parseManifest(byte[] bytes, int start, int length)
            throws SnapshotException {
        try {
            return JSON.readValue(bytes, start, length, SnapshotManifest.class);
        } catch (java.io.IOException | RuntimeException e) {
            throw new SnapshotException(Rejection.CORRUPT, "unreadable manifest: "
                    + new String(bytes, start, Math.min(length, 200), StandardCharsets.UTF_8), e);
        }
    }

    private byte[] mac(byte[] bytes, int length) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            mac.update(bytes, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + HMAC, e);
        }
    }

    private static SnapshotException corrupt(String message) {
        return new SnapshotException(Rejection.CORRUPT, message);
    }
}
