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
 * Signed binary encoding of a {@link Snapshot}, the value of a snapshot-topic message.
 *
 * <pre>
 * offset        size  content
 * 0             4     magic "DSNP" (ASCII)
 * 4             1     format version, 1
 * 5             4     M: manifest length, signed big-endian int, 0 &lt; M &lt;= 1 MiB
 * 9             M     manifest, UTF-8 JSON (field names of {@link SnapshotManifest}, map keys sorted)
 * 9+M           4     N: model length, signed big-endian int, N &gt;= 0
 * 13+M          N     model bytes (a serialized network)
 * 13+M+N        32    HMAC-SHA256 of bytes [0, 13+M+N) under the shared key
 * </pre>
 *
 * <p>{@link #decode(byte[])} checks, in this order, and stops at the first failure: length and
 * magic ({@link Rejection#CORRUPT}); format version ({@link Rejection#UNSUPPORTED_FORMAT}),
 * before the lengths because a future format may lay them out differently; that the lengths
 * add up to the array ({@code CORRUPT}); the HMAC, compared in constant time
 * ({@link Rejection#BAD_SIGNATURE}); that the manifest parses ({@code CORRUPT}); the model's
 * SHA-256 against the manifest ({@link Rejection#CHECKSUM_MISMATCH}). Unknown manifest fields are
 * ignored so that a newer writer can add some without a new format version.
 *
 * <p>Thread-safe: the key is copied in and each call uses its own {@link Mac}.
 */
public final class SnapshotCodec {

    /** The minimum HMAC key length in bytes. */
    public static final int MIN_KEY_BYTES = 16;
    static final byte[] MAGIC = {'D', 'S', 'N', 'P'};
    static final byte FORMAT_VERSION = 1;
    static final int MAX_MANIFEST_BYTES = 1 << 20;
    private static final int MAC_BYTES = 32;
    private static final int HEADER_BYTES = MAGIC.length + 1;
    private static final int MIN_TOTAL = HEADER_BYTES + 4 + 4 + MAC_BYTES;
    private static final String HMAC = "HmacSHA256";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final SecretKeySpec key;

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
     * Encodes and signs a snapshot.
     *
     * @throws IllegalArgumentException if the model bytes do not match the manifest's checksum
     *                                  (build snapshots with {@link Snapshot#of})
     */
    public byte[] encode(Snapshot snapshot) {
        if (!snapshot.checksumMatches()) {
            throw new IllegalArgumentException("snapshot " + snapshot.manifest().id()
                    + ": modelSha256 does not match the model bytes; build it with Snapshot.of");
        }
        byte[] manifest = manifestJson(snapshot.manifest());
        byte[] model = snapshot.bytesNoCopy();
        ByteBuffer out = ByteBuffer.allocate(MIN_TOTAL + manifest.length + model.length);
        out.put(MAGIC).put(FORMAT_VERSION)
                .putInt(manifest.length).put(manifest)
                .putInt(model.length).put(model);
        out.put(mac(out.array(), out.position()));
        return out.array();
    }

    /**
     * Verifies and decodes a snapshot.
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
        if (bytes[MAGIC.length] != FORMAT_VERSION) {
            throw new SnapshotException(Rejection.UNSUPPORTED_FORMAT, "format version "
                    + bytes[MAGIC.length] + ", this reader knows " + FORMAT_VERSION);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES);
        int manifestLength = in.getInt();
        if (manifestLength <= 0 || manifestLength > MAX_MANIFEST_BYTES
                || manifestLength > bytes.length - MIN_TOTAL) {
            throw corrupt("manifest length " + manifestLength + " does not fit " + bytes.length
                    + " bytes");
        }
        int manifestStart = in.position();
        in.position(manifestStart + manifestLength);
        int modelLength = in.getInt();
        int modelStart = in.position();
        if (modelLength < 0 || (long) modelStart + modelLength + MAC_BYTES != bytes.length) {
            throw corrupt("model length " + modelLength + " does not fit " + bytes.length
                    + " bytes");
        }
        int signedLength = modelStart + modelLength;
        byte[] expected = mac(bytes, signedLength);
        byte[] actual = Arrays.copyOfRange(bytes, signedLength, bytes.length);
        if (!MessageDigest.isEqual(expected, actual)) {
            throw new SnapshotException(Rejection.BAD_SIGNATURE,
                    "HMAC does not match: tampered, or signed with another key");
        }
        SnapshotManifest manifest = parseManifest(bytes, manifestStart, manifestLength);
        Snapshot snapshot = new Snapshot(manifest,
                Arrays.copyOfRange(bytes, modelStart, signedLength));
        if (!snapshot.checksumMatches()) {
            throw new SnapshotException(Rejection.CHECKSUM_MISMATCH, "model bytes of "
                    + manifest.id() + " do not hash to " + manifest.modelSha256());
        }
        return snapshot;
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
