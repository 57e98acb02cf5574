package io.distillery.snapshot;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.Signature;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Objects;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * Signed binary encoding of a {@link Snapshot}, the value of a snapshot-topic message. Writes format
 * version 5 (Ed25519 over the manifest; the network's weights may be carried by the ONNX section alone), 4 (the
 * same layout, for readers older than version 5) or 3 (Ed25519 over the whole message) for readers older than
 * version 4; reads versions 1, 2 (HMAC-SHA256, while the legacy key is set), 3, 4 and 5.
 *
 * <pre>
 * formats 5 and 4
 * offset        size  content
 * 0             4     magic "DSNP" (ASCII)
 * 4             1     format version, 5 or 4
 * 5             4     M: manifest length, signed big-endian int, 0 &lt; M &lt;= 1 MiB
 * 9             M     manifest, UTF-8 JSON (field names of {@link SnapshotManifest}, map keys sorted)
 * 9+M           1     signature scheme, 1 = Ed25519
 * 10+M          8     id of the signing key ({@link SnapshotKeys#keyId})
 * 18+M          64    Ed25519 signature of bytes [0, 18+M)
 * 82+M          4     N: model length, signed big-endian int, N &gt;= 0
 * 86+M          N     model bytes (a serialized network)
 * 86+M+N        4     X: ONNX length, signed big-endian int, X &gt;= 0; 0 when there is none
 * 90+M+N        X     ONNX bytes (the same network as an ONNX graph)
 * </pre>
 *
 * <p>Format 5 differs from 4 in what a reader must do with the sections, not in their layout: its model section
 * may leave the network's weights to the ONNX section, whose initializers are the same weights (see {@link
 * #weightsInOnnxSection}); a reader older than version 5 would fail to load such a network, so it refuses the
 * format instead ({@link Rejection#UNSUPPORTED_FORMAT}), and writers write format 4 until no such reader remains.
 *
 * <p>The signature of formats 5 and 4 covers the manifest, which names the SHA-256 of each section
 * ({@code modelSha256}, {@code onnxSha256}); the sections are then checked against those, so a
 * changed section fails as {@link Rejection#CHECKSUM_MISMATCH}. Signing and verifying cost the same
 * whatever the model's size: Ed25519 hashes what it signs twice to sign and once to verify, which for
 * a whole message of a few hundred KB cost more than the SHA-256 of its sections.
 *
 * <p>Format version 3 has the same sections in this order: manifest, model, ONNX, then scheme, key id
 * and an Ed25519 signature of everything before it (offsets 17+M+N+X, 18+M+N+X and 26+M+N+X). Version 2
 * is laid out like 3 up to the ONNX bytes and ends with an HMAC-SHA256 (32 bytes) of everything before
 * it under the shared key. Version 1 has neither ONNX length nor ONNX bytes: its HMAC, at 13+M+N, covers
 * [0, 13+M+N); it decodes to a snapshot without an ONNX section.
 *
 * <p>{@link #decode(byte[])} checks, in this order, and stops at the first failure: length and
 * magic ({@link Rejection#CORRUPT}); format version ({@link Rejection#UNSUPPORTED_FORMAT}),
 * before the lengths because a future format may lay them out differently; that the lengths
 * add up to the array ({@code CORRUPT}), before anything is allocated; the signature: a key this
 * reader trusts ({@link Rejection#UNTRUSTED_KEY}: an Ed25519 key not among the verify keys, or an HMAC
 * snapshot without the HMAC key), then the signature itself ({@link Rejection#BAD_SIGNATURE}, the HMAC
 * compared in constant time); that the manifest parses ({@code CORRUPT});
 * the model's SHA-256 against the manifest's {@code modelSha256}, then the ONNX bytes' against its
 * {@code onnxSha256} ({@link Rejection#CHECKSUM_MISMATCH}). An empty {@code onnxSha256} names no
 * ONNX section, so a manifest naming one that the message lacks, or lacking one the message has,
 * is a {@code CHECKSUM_MISMATCH} like any other disagreement between a signed manifest and the
 * bytes it describes (the layout itself is sound). Unknown manifest fields are ignored so that a
 * newer writer can add some without a new format version.
 *
 * <p>Signatures are made with the JDK's Ed25519 and verified with Bouncy Castle's (RFC 8032 both; its
 * verification takes about a ninth of the JDK 17 provider's time, and every reader verifies every snapshot).
 *
 * <p>Thread-safe: the keys are immutable and each call uses its own {@link Mac} and {@link Signature}.
 */
public final class SnapshotCodec {

    static final byte[] MAGIC = {'D', 'S', 'N', 'P'};
    /** The version {@link #encode} writes by default: as version 4, and the weights may be in the ONNX section alone. */
    public static final byte FORMAT_VERSION = 5;
    /** Ed25519 over the manifest, the network's weights in the model section; written for readers older than 5. */
    public static final byte FORMAT_VERSION_4 = 4;
    /** Ed25519 over the whole message; written for readers older than version 4 when asked. */
    public static final byte FORMAT_VERSION_3 = 3;
    /** HMAC-signed, with the ONNX section; still read while the HMAC key is set. */
    static final byte FORMAT_VERSION_2 = 2;
    /** HMAC-signed, before the ONNX section; still read while the HMAC key is set. */
    static final byte FORMAT_VERSION_1 = 1;
    static final int MAX_MANIFEST_BYTES = 1 << 20;
    static final byte SCHEME_ED25519 = 1;
    private static final int MAC_BYTES = 32;
    private static final int SIGNATURE_BYTES = 64;
    /** Scheme, key id and signature. */
    private static final int ED25519_TRAILER = 1 + SnapshotKeys.KEY_ID_BYTES + SIGNATURE_BYTES;
    private static final int HEADER_BYTES = MAGIC.length + 1;
    /** The shortest message of any version: a version-1 one with empty sections. */
    private static final int MIN_TOTAL = HEADER_BYTES + 4 + 4 + MAC_BYTES;
    static final String HMAC = "HmacSHA256";

    private static final ObjectMapper JSON = new ObjectMapper()
            .configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true)
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);

    private final SnapshotKeys keys;
    private final byte writeFormat;

    /**
     * Where the sections of a message are, once their lengths are known to add up; the signature or HMAC
     * starts at {@code signedLength}.
     */
    private record Layout(int manifestStart, int manifestLength, int modelStart, int modelLength,
                          int onnxStart, int onnxLength, int signedLength) {
    }

    /** A codec that writes format {@value #FORMAT_VERSION}. */
    public SnapshotCodec(SnapshotKeys keys) {
        this(keys, FORMAT_VERSION);
    }

    /**
     * @param writeFormat the format {@link #encode} writes: {@value #FORMAT_VERSION}, or {@value #FORMAT_VERSION_4}
     *                    while readers older than version 5 remain, or {@value #FORMAT_VERSION_3} while readers
     *                    older than version 4 do
     */
    public SnapshotCodec(SnapshotKeys keys, int writeFormat) {
        this.keys = Objects.requireNonNull(keys, "keys");
        if (writeFormat < FORMAT_VERSION_3 || writeFormat > FORMAT_VERSION) {
            throw new IllegalArgumentException("snapshots are written in format " + FORMAT_VERSION_3 + ", "
                    + FORMAT_VERSION_4 + " or " + FORMAT_VERSION + ", not " + writeFormat);
        }
        this.writeFormat = (byte) writeFormat;
    }

    /**
     * Whether the snapshots this codec writes may carry the network's weights in the ONNX section alone, the
     * model section holding the rest of the network (format {@value #FORMAT_VERSION}): every reader that can
     * decode them loads such networks. False for the older formats, whose readers need the weights in the model
     * section.
     */
    public boolean weightsInOnnxSection() {
        return writeFormat >= FORMAT_VERSION;
    }

    /** Whether this codec holds the private key, so {@link #encode} can sign. */
    public boolean canSign() {
        return keys.canSign();
    }

    /**
     * Encodes and signs a snapshot in this codec's format version ({@value #FORMAT_VERSION} unless
     * asked otherwise), with an empty ONNX section when it has none.
     *
     * @throws IllegalArgumentException if the model or ONNX bytes do not match the manifest's
     *                                  checksums (build snapshots with {@link Snapshot#of})
     * @throws IllegalStateException if this role holds no signing key
     */
    public byte[] encode(Snapshot snapshot) {
        if (!keys.canSign()) {
            throw new IllegalStateException("no signing key (snapshot.signing.key): this role can read snapshots"
                    + " but not write them");
        }
        if (!snapshot.checksumMatches()) {
            throw new IllegalArgumentException("snapshot " + snapshot.manifest().id()
                    + ": modelSha256 or onnxSha256 does not match the bytes; build it with Snapshot.of");
        }
        byte[] manifest = manifestJson(snapshot.manifest());
        byte[] model = snapshot.bytesNoCopy();
        byte[] onnx = snapshot.onnxNoCopy();
        ByteBuffer out = ByteBuffer.allocate(HEADER_BYTES + 12 + manifest.length + model.length + onnx.length
                + ED25519_TRAILER);
        out.put(MAGIC).put(writeFormat).putInt(manifest.length).put(manifest);
        if (writeFormat >= FORMAT_VERSION_4) {
            putSignature(out);
        }
        out.putInt(model.length).put(model).putInt(onnx.length).put(onnx);
        if (writeFormat == FORMAT_VERSION_3) {
            putSignature(out);
        }
        return out.array();
    }

    /** Appends scheme and key id, then the Ed25519 signature of everything written so far, them included. */
    private void putSignature(ByteBuffer out) {
        out.put(SCHEME_ED25519).put(keys.signingKeyIdBytes());
        out.put(sign(out.array(), out.position()));
    }

    /**
     * Verifies and decodes a snapshot of format version 1, 2, 3 or 4.
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
        if (!known(version)) {
            throw new SnapshotException(Rejection.UNSUPPORTED_FORMAT, "format version " + version
                    + ", this reader knows " + FORMAT_VERSION_1 + " to " + FORMAT_VERSION);
        }
        Layout at = layout(bytes, version);
        if (version >= FORMAT_VERSION_3) {
            verifyEd25519(bytes, at.signedLength());
        } else {
            verifyHmac(bytes, at.signedLength());
        }
        SnapshotManifest manifest = parseManifest(bytes, at.manifestStart(), at.manifestLength());
        Snapshot snapshot = Snapshot.owning(manifest,
                Arrays.copyOfRange(bytes, at.modelStart(), at.modelStart() + at.modelLength()),
                Arrays.copyOfRange(bytes, at.onnxStart(), at.onnxStart() + at.onnxLength()));
        requireChecksums(snapshot);
        return snapshot;
    }

    /**
     * The manifest of an encoded snapshot, read without checking its signature or checksums: for reports
     * that show a version and a time ({@code status}), never for loading a model.
     *
     * @throws SnapshotException when the bytes are not a snapshot of a known format
     */
    public static SnapshotManifest unverifiedManifest(byte[] bytes) throws SnapshotException {
        int format = formatOf(bytes);
        if (format < 0) {
            throw corrupt("not a Distillery snapshot");
        }
        if (!known((byte) format)) {
            throw new SnapshotException(Rejection.UNSUPPORTED_FORMAT, "format version " + format);
        }
        Layout at = layout(bytes, (byte) format);
        return parseManifest(bytes, at.manifestStart(), at.manifestLength());
    }

    /**
     * The format version a message says it is written in (its byte, unsigned), read without verifying anything (a newer
     * format than this codec reads included); -1 when it is not a snapshot message.
     */
    public static int formatOf(byte[] bytes) {
        if (bytes == null || bytes.length < MIN_TOTAL || !Arrays.equals(bytes, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
            return -1;
        }
        return bytes[MAGIC.length] & 0xFF;
    }

    private static boolean known(byte version) {
        return version >= FORMAT_VERSION_1 && version <= FORMAT_VERSION;
    }

    /** The sections of a message, or {@code CORRUPT} if their lengths do not add up to its size. */
    private static Layout layout(byte[] bytes, byte version) throws SnapshotException {
        boolean withOnnx = version != FORMAT_VERSION_1;
        boolean signedFirst = version >= FORMAT_VERSION_4;
        int trailer = version >= FORMAT_VERSION_3 ? ED25519_TRAILER : MAC_BYTES;
        int minTotal = HEADER_BYTES + 8 + (withOnnx ? 4 : 0) + trailer;
        if (bytes.length < minTotal) {
            throw corrupt("too short for format " + version + ": " + bytes.length + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, HEADER_BYTES, bytes.length - HEADER_BYTES);
        int manifestLength = in.getInt();
        if (manifestLength <= 0 || manifestLength > MAX_MANIFEST_BYTES
                || manifestLength > bytes.length - minTotal) {
            throw corrupt("manifest length " + manifestLength + " does not fit " + bytes.length
                    + " bytes");
        }
        int manifestStart = in.position();
        // formats 4 and 5 sign the manifest and go on with the sections; the others end with their signature
        int sectionsStart = manifestStart + manifestLength + (signedFirst ? trailer : 0);
        int end = bytes.length - (signedFirst ? 0 : trailer);
        in.position(sectionsStart);
        int modelLength = in.getInt();
        int modelStart = in.position();
        long modelEnd = (long) modelStart + modelLength;
        // version 1 ends with the model; later ones have at least an ONNX length after it
        boolean fits = withOnnx ? modelEnd + 4 <= end : modelEnd == end;
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
        if (onnxLength < 0 || (long) onnxStart + onnxLength != end) {
            throw corrupt("ONNX length " + onnxLength + " does not fit " + bytes.length + " bytes");
        }
        int signed = signedFirst ? sectionsStart - SIGNATURE_BYTES
                : bytes.length - (version == FORMAT_VERSION_3 ? SIGNATURE_BYTES : MAC_BYTES);
        return new Layout(manifestStart, manifestLength, modelStart, modelLength, onnxStart, onnxLength, signed);
    }

    private void verifyEd25519(byte[] bytes, int signedLength) throws SnapshotException {
        int schemeAt = signedLength - 1 - SnapshotKeys.KEY_ID_BYTES;
        if (bytes[schemeAt] != SCHEME_ED25519) {
            throw new SnapshotException(Rejection.UNSUPPORTED_FORMAT, "signature scheme " + bytes[schemeAt]
                    + ", this reader knows " + SCHEME_ED25519 + " (Ed25519)");
        }
        String keyId = HexFormat.of().formatHex(bytes, schemeAt + 1, signedLength);
        Ed25519.PublicPoint key = keys.verifyPoint(keyId);
        if (key == null) {
            throw new SnapshotException(Rejection.UNTRUSTED_KEY, "signed by key " + keyId
                    + ", not among the trusted snapshot.verify.keys " + keys.verifyKeyIds());
        }
        if (!Ed25519.verify(bytes, signedLength, key, bytes, 0, signedLength)) {
            throw new SnapshotException(Rejection.BAD_SIGNATURE, "Ed25519 signature of key " + keyId
                    + " does not match: tampered bytes");
        }
    }

    private void verifyHmac(byte[] bytes, int signedLength) throws SnapshotException {
        if (keys.hmac() == null) {
            throw new SnapshotException(Rejection.UNTRUSTED_KEY, "signed with the shared HMAC key of format "
                    + bytes[MAGIC.length] + ", and snapshot.hmac.key is not set");
        }
        byte[] expected = mac(keys.hmac(), bytes, signedLength);
        if (!MessageDigest.isEqual(expected, Arrays.copyOfRange(bytes, signedLength, bytes.length))) {
            throw new SnapshotException(Rejection.BAD_SIGNATURE,
                    "HMAC does not match: tampered, or signed with another key");
        }
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

    /** The HMAC-SHA256 of the first {@code length} bytes; package-private so tests can write old formats. */
    static byte[] mac(SecretKeySpec key, byte[] bytes, int length) {
        try {
            Mac mac = Mac.getInstance(HMAC);
            mac.init(key);
            mac.update(bytes, 0, length);
            return mac.doFinal();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + HMAC, e);
        }
    }

    private byte[] sign(byte[] bytes, int length) {
        try {
            Signature s = Signature.getInstance(SnapshotKeys.ALGORITHM);
            s.initSign(keys.signing());
            s.update(bytes, 0, length);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with " + SnapshotKeys.ALGORITHM, e);
        }
    }

    private static SnapshotException corrupt(String message) {
        return new SnapshotException(Rejection.CORRUPT, message);
    }
}
