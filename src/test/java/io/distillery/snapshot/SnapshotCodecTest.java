package io.distillery.snapshot;

import static io.distillery.snapshot.SnapshotFixtures.TEST_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.util.Arrays;
import java.util.HexFormat;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SnapshotCodecTest {

    private static final byte[] MODEL = "pretend these are network bytes".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ONNX = "pretend this is the same network as ONNX".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Ed25519: scheme, key id, signature (after the manifest in format 4, at the end in format 3). */
    private static final int TRAILER = 1 + 8 + 64;
    private static final SnapshotCodec FORMAT_3 = new SnapshotCodec(SnapshotFixtures.KEYS, 3);
    private static final SnapshotCodec FORMAT_4 = new SnapshotCodec(SnapshotFixtures.KEYS, 4);
    private final SnapshotCodec codec = SnapshotFixtures.CODEC;
    private final Snapshot snapshot = Snapshot.of(SnapshotFixtures.manifest(4, 3), MODEL);
    private final Snapshot withOnnx = Snapshot.of(SnapshotFixtures.manifest(4, 3), MODEL, ONNX);

    @Test
    void shouldRoundTripSnapshot() throws Exception {
        Snapshot decoded = codec.decode(codec.encode(snapshot));

        assertThat(decoded).isEqualTo(snapshot);
        assertThat(decoded.manifest().inputOffsets()).containsEntry("distill.teacher.logits-0", 42L);
        assertThat(decoded.manifest().modelSha256()).hasSize(64);
        assertThat(decoded.modelBytes()).isEqualTo(MODEL);
        assertThat(decoded.hasOnnx()).isFalse();
        assertThat(decoded.manifest().onnxSha256()).isEmpty();
    }

    @Test
    void shouldRoundTripSnapshotWithOnnx() throws Exception {
        Snapshot decoded = codec.decode(codec.encode(withOnnx));

        assertThat(decoded).isEqualTo(withOnnx);
        assertThat(decoded.onnxBytes()).isEqualTo(ONNX);
        assertThat(decoded.modelBytes()).isEqualTo(MODEL);
        assertThat(decoded.manifest().hasOnnx()).isTrue();
    }

    @Test
    void shouldKeepADecodedSnapshotApartFromTheMessageItCameFrom() throws Exception {
        byte[] message = codec.encode(withOnnx);
        Snapshot decoded = codec.decode(message);

        Arrays.fill(message, (byte) 0);

        assertThat(decoded.modelBytes()).isEqualTo(MODEL);
        assertThat(decoded.onnxBytes()).isEqualTo(ONNX);
        assertThat(decoded.checksumMatches()).isTrue();
    }

    @Test
    void shouldFollowDocumentedLayout() {
        byte[] bytes = codec.encode(withOnnx);
        ByteBuffer in = ByteBuffer.wrap(bytes);

        assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("DSNP");
        assertThat(bytes[4]).isEqualTo((byte) 5);
        int manifestLength = in.getInt(5);
        assertThat(new String(bytes, 9, manifestLength, StandardCharsets.UTF_8))
                .startsWith("{").contains("\"model\":\"student\"")
                .contains("\"onnxSha256\":\"" + withOnnx.manifest().onnxSha256() + "\"");
        int trailer = 9 + manifestLength;
        assertThat(bytes[trailer]).as("scheme: Ed25519").isEqualTo((byte) 1);
        assertThat(HexFormat.of().formatHex(bytes, trailer + 1, trailer + 9))
                .isEqualTo(SnapshotFixtures.KEYS.signingKeyId());
        int modelAt = trailer + TRAILER;
        assertThat(in.getInt(modelAt)).isEqualTo(MODEL.length);
        assertThat(Arrays.copyOfRange(bytes, modelAt + 4, modelAt + 4 + MODEL.length)).isEqualTo(MODEL);
        assertThat(in.getInt(modelAt + 4 + MODEL.length)).isEqualTo(ONNX.length);
        assertThat(Arrays.copyOfRange(bytes, modelAt + 8 + MODEL.length, bytes.length)).isEqualTo(ONNX);
    }

    @Test
    void shouldSignTheHeaderManifestSchemeAndKeyIdOnly() throws Exception {
        byte[] bytes = codec.encode(withOnnx);
        int signed = 18 + ByteBuffer.wrap(bytes).getInt(5);

        assertThat(jdkAccepts(jdkVerifier(), bytes, signed)).isTrue();
    }

    @Test
    void shouldVerifyWhatTheJdkSignsAndRefuseWhatItRefuses() throws Exception {
        // the writer signs with the JDK's Ed25519 and the reader verifies with Bouncy Castle's: the same RFC 8032
        byte[] bytes = codec.encode(withOnnx);
        int signed = 18 + ByteBuffer.wrap(bytes).getInt(5);
        Signature jdk = jdkVerifier();

        for (int i = 0; i < signed + 64; i += 7) {
            byte[] changed = bytes.clone();
            changed[i] ^= 1;
            assertThat(decodes(changed)).as("byte %d changed: the reader agrees with the JDK", i)
                    .isEqualTo(jdkAccepts(jdk, changed, signed));
        }
        assertThat(decodes(bytes)).isTrue();
    }

    @Test
    void shouldWriteTheWholeMessageSignedFormat3WhenAsked() throws Exception {
        byte[] bytes = FORMAT_3.encode(withOnnx);
        ByteBuffer in = ByteBuffer.wrap(bytes);

        assertThat(bytes[4]).isEqualTo((byte) 3);
        int manifestLength = in.getInt(5);
        assertThat(in.getInt(9 + manifestLength)).isEqualTo(MODEL.length);
        assertThat(in.getInt(13 + manifestLength + MODEL.length)).isEqualTo(ONNX.length);
        int onnxEnd = 17 + manifestLength + MODEL.length + ONNX.length;
        assertThat(Arrays.copyOfRange(bytes, 17 + manifestLength + MODEL.length, onnxEnd)).isEqualTo(ONNX);
        assertThat(bytes[onnxEnd]).as("scheme: Ed25519").isEqualTo((byte) 1);
        assertThat(HexFormat.of().formatHex(bytes, onnxEnd + 1, onnxEnd + 9))
                .isEqualTo(SnapshotFixtures.KEYS.signingKeyId());
        assertThat(bytes).hasSize(onnxEnd + TRAILER);
        assertThat(codec.decode(bytes)).as("a format-4 reader reads format 3").isEqualTo(withOnnx);
        assertThat(FORMAT_3.decode(codec.encode(withOnnx))).as("and the other way round").isEqualTo(withOnnx);
        assertThatThrownBy(() -> new SnapshotCodec(SnapshotFixtures.KEYS, 2))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldWriteFormat4WhenAskedInFormat5sLayout() throws Exception {
        byte[] five = codec.encode(withOnnx);
        byte[] four = FORMAT_4.encode(withOnnx);

        assertThat(four[4]).isEqualTo((byte) 4);
        assertThat(four).hasSameSizeAs(five);
        int sections = 9 + ByteBuffer.wrap(five).getInt(5) + TRAILER;
        assertThat(Arrays.copyOfRange(four, 5, sections - 64)).as("the same manifest and key; the signature differs")
                .isEqualTo(Arrays.copyOfRange(five, 5, sections - 64));
        assertThat(Arrays.copyOfRange(four, sections, four.length)).isEqualTo(Arrays.copyOfRange(five, sections,
                five.length));
        assertThat(codec.decode(four)).as("a format-5 reader reads format 4").isEqualTo(withOnnx);
        assertThat(FORMAT_4.decode(five)).isEqualTo(withOnnx);
        assertThat(codec.weightsInOnnxSection()).as("format 5 may leave the weights to the ONNX section").isTrue();
        assertThat(FORMAT_4.weightsInOnnxSection()).isFalse();
        assertThat(FORMAT_3.weightsInOnnxSection()).isFalse();
        assertThatThrownBy(() -> new SnapshotCodec(SnapshotFixtures.KEYS, 6))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("snapshots are written in format 3, 4 or 5, not 6");
    }

    @Test
    void shouldWriteZeroOnnxLengthWhenSnapshotHasNoOnnx() {
        byte[] bytes = codec.encode(snapshot);
        int manifestLength = ByteBuffer.wrap(bytes).getInt(5);

        assertThat(bytes[4]).isEqualTo((byte) 5);
        assertThat(ByteBuffer.wrap(bytes).getInt(9 + manifestLength + TRAILER + 4 + MODEL.length)).isZero();
        assertThat(bytes).hasSize(17 + manifestLength + MODEL.length + TRAILER);
    }

    @Test
    void shouldDecodeVersion1SnapshotWithoutOnnxSection() throws Exception {
        byte[] bytes = signed(1, version1Manifest(snapshot.manifest()), MODEL);

        Snapshot decoded = codec.decode(bytes);

        assertThat(decoded).isEqualTo(snapshot);
        assertThat(decoded.hasOnnx()).isFalse();
        assertThat(decoded.manifest().hasOnnx()).isFalse();
    }

    @Test
    void shouldDecodeCheckedInVersion1Snapshot() throws Exception {
        byte[] bytes;
        try (var in = getClass().getClassLoader().getResourceAsStream("snapshots/student-v1.dsnp")) {
            bytes = in.readAllBytes();
        }

        Snapshot decoded = codec.decode(bytes);

        assertThat(bytes[4]).isEqualTo((byte) 1);
        assertThat(decoded.manifest().id()).isEqualTo("student-v1-fixture");
        assertThat(decoded.hasOnnx()).isFalse();
        assertThat(decoded.manifest().onnxSha256()).isEmpty();
    }

    @Test
    void shouldDecodeVersion2SnapshotSignedWithTheLegacyHmacKeyWhileItIsSet() throws Exception {
        byte[] bytes = signed(2, JSON.writeValueAsBytes(withOnnx.manifest()), MODEL, ONNX);

        assertThat(codec.decode(bytes)).isEqualTo(withOnnx);
        SnapshotCodec withoutHmac = new SnapshotCodec(SnapshotKeys.of(null, SnapshotFixtures.VERIFY_PEM, null));
        assertThatThrownBy(() -> withoutHmac.decode(bytes)).isInstanceOf(SnapshotException.class)
                .satisfies(e -> assertThat(((SnapshotException) e).reason()).isEqualTo(Rejection.UNTRUSTED_KEY))
                .hasMessageContaining("snapshot.hmac.key is not set");
    }

    @Test
    void shouldRejectLegacyHmacKeyShorterThan16Bytes() {
        assertThatThrownBy(() -> SnapshotKeys.of(null, SnapshotFixtures.VERIFY_PEM, new byte[15]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("the HMAC key must be at least 16 bytes, was 15");
    }

    @Test
    void shouldNotLetAReaderWithoutTheSigningKeyProduceASnapshot() {
        SnapshotCodec reader = new SnapshotCodec(SnapshotKeys.of(null, SnapshotFixtures.VERIFY_PEM, TEST_KEY));

        assertThat(reader.canSign()).isFalse();
        assertThatThrownBy(() -> reader.encode(snapshot)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("snapshot.signing.key");
        // nor by re-signing with what it holds: an HMAC-signed message of the newest format is not a format
        for (SnapshotCodec writer : new SnapshotCodec[] {codec, FORMAT_4, FORMAT_3}) {
            byte[] forged = writer.encode(snapshot);
            int signed = forged[4] >= 4 ? 18 + ByteBuffer.wrap(forged).getInt(5) : forged.length - 64;
            byte[] hmac = SnapshotCodec.mac(new SecretKeySpec(TEST_KEY, "HmacSHA256"), forged, signed);
            System.arraycopy(hmac, 0, forged, signed, 32);
            assertRejected(forged, Rejection.BAD_SIGNATURE);
        }
    }

    @Test
    void shouldAcceptBothKeysDuringARotationAndNameAnUntrustedOne() throws Exception {
        SnapshotCodec oldWriter = new SnapshotCodec(SnapshotKeys.of(SnapshotFixtures.SIGNING_PEM,
                SnapshotFixtures.VERIFY_PEM, null));
        SnapshotCodec newWriter = new SnapshotCodec(SnapshotKeys.of(SnapshotFixtures.OTHER_SIGNING_PEM,
                SnapshotFixtures.OTHER_VERIFY_PEM, null));
        SnapshotCodec rotating = new SnapshotCodec(SnapshotKeys.of(null,
                SnapshotFixtures.VERIFY_PEM + SnapshotFixtures.OTHER_VERIFY_PEM, null));

        assertThat(rotating.decode(oldWriter.encode(snapshot))).isEqualTo(snapshot);
        assertThat(rotating.decode(newWriter.encode(snapshot))).isEqualTo(snapshot);
        assertThatThrownBy(() -> codec.decode(newWriter.encode(snapshot))).isInstanceOf(SnapshotException.class)
                .satisfies(e -> assertThat(((SnapshotException) e).reason()).isEqualTo(Rejection.UNTRUSTED_KEY))
                .hasMessageContaining(SnapshotKeys.of(null, SnapshotFixtures.OTHER_VERIFY_PEM, null).verifyKeyIds()
                        .get(0));
    }

    @Test
    void shouldRejectASignatureOfAnotherKeyUnderATrustedKeysId() {
        SnapshotCodec other = new SnapshotCodec(SnapshotKeys.of(SnapshotFixtures.OTHER_SIGNING_PEM,
                SnapshotFixtures.OTHER_VERIFY_PEM, null));
        byte[] bytes = other.encode(snapshot);
        byte[] trustedId = HexFormat.of().parseHex(SnapshotFixtures.KEYS.signingKeyId());
        System.arraycopy(trustedId, 0, bytes, 10 + ByteBuffer.wrap(bytes).getInt(5), 8);

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRefuseASigningKeyWhosePublicHalfItDoesNotTrust() {
        assertThatThrownBy(() -> SnapshotKeys.of(SnapshotFixtures.OTHER_SIGNING_PEM, SnapshotFixtures.VERIFY_PEM,
                null)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("public half is not among the 1 verify keys");
        assertThatThrownBy(() -> SnapshotKeys.of(null, "not a key", null))
                .hasMessageContaining("no '-----BEGIN PUBLIC KEY-----' block found");
        assertThatThrownBy(() -> SnapshotKeys.of(SnapshotFixtures.VERIFY_PEM, SnapshotFixtures.VERIFY_PEM, null))
                .hasMessageContaining("expected PEM blocks of type PRIVATE KEY, found PUBLIC KEY");
        assertThatThrownBy(() -> SnapshotKeys.of(null, null, null)).hasMessageContaining("no key to verify");
    }

    @Test
    void shouldRefuseToEncodeSnapshotWhoseChecksumIsWrong() {
        Snapshot unsigned = new Snapshot(SnapshotFixtures.manifest(4, 3), MODEL);

        assertThatThrownBy(() -> codec.encode(unsigned)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectSnapshotWhenTruncated() {
        byte[] bytes = codec.encode(snapshot);

        assertRejected(Arrays.copyOf(bytes, bytes.length - 1), Rejection.CORRUPT);
        assertRejected(Arrays.copyOf(bytes, 18 + ByteBuffer.wrap(bytes).getInt(5) + 64), Rejection.CORRUPT);
        assertRejected(Arrays.copyOf(FORMAT_3.encode(snapshot), bytes.length - 1), Rejection.CORRUPT);
        assertRejected(Arrays.copyOf(bytes, 20), Rejection.CORRUPT);
        assertRejected(new byte[0], Rejection.CORRUPT);
        assertRejected(null, Rejection.CORRUPT);
    }

    @Test
    void shouldRejectSnapshotWhenMagicIsWrong() {
        byte[] bytes = codec.encode(snapshot);
        bytes[0] = 'X';

        assertRejected(bytes, Rejection.CORRUPT);
    }

    @Test
    void shouldRejectSnapshotWhenLengthFieldIsOutOfRange() {
        byte[] bytes = codec.encode(snapshot);
        ByteBuffer.wrap(bytes).putInt(5, Integer.MAX_VALUE);

        assertRejected(bytes, Rejection.CORRUPT);
    }

    @Test
    void shouldRejectSnapshotWhenModelOrOnnxLengthDoesNotFit() {
        for (SnapshotCodec writer : new SnapshotCodec[] {codec, FORMAT_4, FORMAT_3}) {
            byte[] bytes = writer.encode(withOnnx);
            int modelAt = 9 + ByteBuffer.wrap(bytes).getInt(5) + (bytes[4] >= 4 ? TRAILER : 0);
            int onnxAt = modelAt + 4 + MODEL.length;

            // each length is checked against the array before anything of that size is allocated
            for (int length : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, MODEL.length + 1, MODEL.length - 1}) {
                assertRejected(withInt(bytes, modelAt, length), Rejection.CORRUPT);
            }
            for (int length : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, ONNX.length + 1, ONNX.length - 1}) {
                assertRejected(withInt(bytes, onnxAt, length), Rejection.CORRUPT);
            }
        }
    }

    @Test
    void shouldRejectVersion1SnapshotWhenModelLengthDoesNotFit() throws Exception {
        byte[] bytes = signed(1, version1Manifest(snapshot.manifest()), MODEL);
        int modelAt = 9 + ByteBuffer.wrap(bytes).getInt(5);

        assertRejected(withInt(bytes, modelAt, Integer.MAX_VALUE), Rejection.CORRUPT);
        assertRejected(withInt(bytes, modelAt, MODEL.length - 1), Rejection.CORRUPT);
        assertRejected(Arrays.copyOf(bytes, bytes.length - 1), Rejection.CORRUPT);
    }

    @Test
    void shouldRejectSnapshotsRelabelledAsAnotherVersion() throws Exception {
        byte[] v2 = signed(2, JSON.writeValueAsBytes(snapshot.manifest()), MODEL, new byte[0]);
        v2[4] = 1;
        // the empty ONNX section's length is 4 bytes more than a version-1 layout has room for
        assertRejected(v2, Rejection.CORRUPT);

        for (int version : new int[] {1, 2, 3}) {
            byte[] v5 = codec.encode(withOnnx);
            v5[4] = (byte) version;
            // the signature after the manifest is not where the older layouts put the model's length
            assertRejected(v5, Rejection.CORRUPT);
        }
        // formats 4 and 5 share their layout; the signature covers the version, so neither passes as the other
        byte[] v5 = codec.encode(withOnnx);
        v5[4] = 4;
        assertRejected(v5, Rejection.BAD_SIGNATURE);
        byte[] v4 = FORMAT_4.encode(withOnnx);
        v4[4] = 5;
        assertRejected(v4, Rejection.BAD_SIGNATURE);
        for (int version : new int[] {1, 2, 4, 5}) {
            byte[] v3 = FORMAT_3.encode(withOnnx);
            v3[4] = (byte) version;
            // an Ed25519 trailer is not where an HMAC layout puts its end, nor a format-4 manifest's signature
            assertRejected(v3, Rejection.CORRUPT);
        }
    }

    @Test
    void shouldRejectSnapshotFromFutureFormatVersion() {
        for (int version : new int[] {6, 0, -1}) {
            byte[] bytes = codec.encode(snapshot);
            bytes[4] = (byte) version;

            assertRejected(bytes, Rejection.UNSUPPORTED_FORMAT);
        }
    }

    @Test
    void shouldTellTheFormatOfAMessageItCannotRead() throws Exception {
        byte[] future = codec.encode(snapshot);
        future[4] = 6;

        assertThat(SnapshotCodec.formatOf(codec.encode(snapshot))).isEqualTo(5);
        assertThat(SnapshotCodec.formatOf(FORMAT_4.encode(withOnnx))).isEqualTo(4);
        assertThat(SnapshotCodec.formatOf(future)).as("told, though no reader here reads it").isEqualTo(6);
        assertThatThrownBy(() -> SnapshotCodec.unverifiedManifest(future)).isInstanceOf(SnapshotException.class);
        assertThat(SnapshotCodec.unverifiedManifest(codec.encode(snapshot)).version()).isEqualTo(
            snapshot.manifest().version());
        assertThat(SnapshotCodec.formatOf("not a snapshot".getBytes(StandardCharsets.UTF_8))).isEqualTo(-1);
        assertThat(SnapshotCodec.formatOf(null)).isEqualTo(-1);
        future[4] = (byte) 0xFF;
        assertThat(SnapshotCodec.formatOf(future)).isEqualTo(255);
        assertThatThrownBy(() -> SnapshotCodec.unverifiedManifest(future)).isInstanceOf(SnapshotException.class)
            .extracting(e -> ((SnapshotException) e).reason()).isEqualTo(Rejection.UNSUPPORTED_FORMAT);
    }

    @Test
    void shouldRejectSnapshotWhenManifestByteTampered() {
        byte[] bytes = codec.encode(snapshot);
        bytes[9 + 10] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectSnapshotWhenModelByteTampered() {
        byte[] bytes = codec.encode(withOnnx);
        bytes[9 + ByteBuffer.wrap(bytes).getInt(5) + TRAILER + 4 + 3] ^= 1;
        byte[] v3 = FORMAT_3.encode(withOnnx);
        v3[13 + ByteBuffer.wrap(v3).getInt(5) + 3] ^= 1;

        // format 4 signs the manifest, which names the model's SHA-256; format 3 signs the model itself
        assertRejected(bytes, Rejection.CHECKSUM_MISMATCH);
        assertRejected(v3, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectSnapshotWhenOnnxByteTampered() {
        byte[] bytes = codec.encode(withOnnx);
        bytes[bytes.length - 3] ^= 1;
        byte[] v3 = FORMAT_3.encode(withOnnx);
        v3[v3.length - TRAILER - 3] ^= 1;

        assertRejected(bytes, Rejection.CHECKSUM_MISMATCH);
        assertRejected(v3, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectVersion1SnapshotWhenModelByteTampered() throws Exception {
        byte[] bytes = signed(1, version1Manifest(snapshot.manifest()), MODEL);
        bytes[bytes.length - 32 - 3] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectSnapshotWhenSignatureTampered() {
        byte[] bytes = codec.encode(snapshot);
        bytes[18 + ByteBuffer.wrap(bytes).getInt(5) + 63] ^= 1;
        byte[] v3 = FORMAT_3.encode(snapshot);
        v3[v3.length - 1] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
        assertRejected(v3, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectVersion2SnapshotSignedWithAnotherHmacKey() throws Exception {
        byte[] bytes = signed(2, JSON.writeValueAsBytes(snapshot.manifest()), MODEL, new byte[0]);
        SnapshotCodec otherHmac = new SnapshotCodec(SnapshotKeys.of(null, SnapshotFixtures.VERIFY_PEM,
                "another-key-of-enough-length".getBytes(StandardCharsets.US_ASCII)));

        assertThatThrownBy(() -> otherHmac.decode(bytes)).isInstanceOf(SnapshotException.class)
                .satisfies(e -> assertThat(((SnapshotException) e).reason()).isEqualTo(Rejection.BAD_SIGNATURE));
    }

    @Test
    void shouldRejectSignedSnapshotWhoseModelDoesNotMatchChecksum() throws Exception {
        // A writer with the key but a bug: signed, yet the manifest's checksum is of other bytes.
        byte[] json = JSON.writeValueAsBytes(snapshot.manifest());
        byte[] otherModel = "other bytes".getBytes(StandardCharsets.UTF_8);

        assertRejected(signed(2, json, otherModel, new byte[0]), Rejection.CHECKSUM_MISMATCH);
        assertRejected(signed(1, version1Manifest(snapshot.manifest()), otherModel), Rejection.CHECKSUM_MISMATCH);
    }

    @Test
    void shouldRejectSignedSnapshotWhoseOnnxDoesNotMatchChecksum() throws Exception {
        byte[] json = JSON.writeValueAsBytes(withOnnx.manifest());
        byte[] otherOnnx = "other ONNX bytes".getBytes(StandardCharsets.UTF_8);

        assertRejected(signed(2, json, MODEL, otherOnnx), Rejection.CHECKSUM_MISMATCH);
    }

    @Test
    void shouldRejectSignedSnapshotWhoseManifestNamesOnnxItLacks() throws Exception {
        byte[] json = JSON.writeValueAsBytes(withOnnx.manifest());

        assertRejected(signed(2, json, MODEL, new byte[0]), Rejection.CHECKSUM_MISMATCH);
        assertRejected(signed(1, json, MODEL), Rejection.CHECKSUM_MISMATCH);
    }

    @Test
    void shouldRejectSignedSnapshotCarryingOnnxItsManifestDoesNotName() throws Exception {
        byte[] json = JSON.writeValueAsBytes(snapshot.manifest());

        assertRejected(signed(2, json, MODEL, ONNX), Rejection.CHECKSUM_MISMATCH);
    }

    @Test
    void shouldRejectSignedSnapshotWithUnreadableManifest() throws Exception {
        byte[] json = "{\"id\":".getBytes(StandardCharsets.UTF_8);

        assertRejected(signed(2, json, MODEL, ONNX), Rejection.CORRUPT);
        assertRejected(signed(1, json, MODEL), Rejection.CORRUPT);
    }

    /** The manifest JSON a version-1 writer wrote: no {@code onnxSha256} field. */
    private static byte[] version1Manifest(SnapshotManifest manifest) throws Exception {
        ObjectNode json = JSON.valueToTree(manifest);
        json.remove("onnxSha256");
        return JSON.writeValueAsBytes(json);
    }

    /** A message signed with the test key: magic, version, each section as length and bytes, HMAC. */
    private static byte[] signed(int version, byte[]... sections) throws Exception {
        int size = 5 + 32 + Arrays.stream(sections).mapToInt(b -> 4 + b.length).sum();
        ByteBuffer out = ByteBuffer.allocate(size);
        out.put("DSNP".getBytes(StandardCharsets.US_ASCII)).put((byte) version);
        for (byte[] section : sections) {
            out.putInt(section.length).put(section);
        }
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(TEST_KEY, "HmacSHA256"));
        mac.update(out.array(), 0, out.position());
        out.put(mac.doFinal());
        return out.array();
    }

    private static byte[] withInt(byte[] bytes, int offset, int value) {
        byte[] copy = bytes.clone();
        ByteBuffer.wrap(copy).putInt(offset, value);
        return copy;
    }

    /** The JDK's Ed25519, ready to verify with the test key. */
    private static Signature jdkVerifier() throws Exception {
        Signature jdk = Signature.getInstance("Ed25519");
        jdk.initVerify(SnapshotFixtures.KEYS.verifyKey(SnapshotFixtures.KEYS.signingKeyId()));
        return jdk;
    }

    /** Whether the JDK verifies the signature at {@code signed} over bytes [0, signed). */
    private static boolean jdkAccepts(Signature jdk, byte[] bytes, int signed) {
        try {
            jdk.update(bytes, 0, signed);
            return jdk.verify(bytes, signed, 64);
        } catch (java.security.SignatureException e) {
            return false;
        }
    }

    private boolean decodes(byte[] bytes) {
        try {
            codec.decode(bytes);
            return true;
        } catch (SnapshotException e) {
            return false;
        }
    }

    private void assertRejected(byte[] bytes, Rejection reason) {
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
