package io.distillery.snapshot;

import static io.distillery.snapshot.SnapshotFixtures.TEST_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SnapshotCodecTest {

    private static final byte[] MODEL = "pretend these are network bytes".getBytes(StandardCharsets.UTF_8);
    private static final byte[] ONNX = "pretend this is the same network as ONNX".getBytes(StandardCharsets.UTF_8);
    private static final ObjectMapper JSON = new ObjectMapper();
    private final SnapshotCodec codec = new SnapshotCodec(TEST_KEY);
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
    void shouldFollowDocumentedLayout() {
        byte[] bytes = codec.encode(withOnnx);
        ByteBuffer in = ByteBuffer.wrap(bytes);

        assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("DSNP");
        assertThat(bytes[4]).isEqualTo((byte) 2);
        int manifestLength = in.getInt(5);
        assertThat(new String(bytes, 9, manifestLength, StandardCharsets.UTF_8))
                .startsWith("{").contains("\"model\":\"student\"")
                .contains("\"onnxSha256\":\"" + withOnnx.manifest().onnxSha256() + "\"");
        assertThat(in.getInt(9 + manifestLength)).isEqualTo(MODEL.length);
        assertThat(in.getInt(13 + manifestLength + MODEL.length)).isEqualTo(ONNX.length);
        assertThat(Arrays.copyOfRange(bytes, 17 + manifestLength + MODEL.length, bytes.length - 32))
                .isEqualTo(ONNX);
        assertThat(bytes).hasSize(17 + manifestLength + MODEL.length + ONNX.length + 32);
    }

    @Test
    void shouldWriteZeroOnnxLengthWhenSnapshotHasNoOnnx() {
        byte[] bytes = codec.encode(snapshot);
        int manifestLength = ByteBuffer.wrap(bytes).getInt(5);

        assertThat(bytes[4]).isEqualTo((byte) 2);
        assertThat(ByteBuffer.wrap(bytes).getInt(13 + manifestLength + MODEL.length)).isZero();
        assertThat(bytes).hasSize(17 + manifestLength + MODEL.length + 32);
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
    void shouldRejectKeyShorterThan16Bytes() {
        assertThatThrownBy(() -> new SnapshotCodec(new byte[15]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("hmac key must be at least 16 bytes, was 15");
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
        byte[] bytes = codec.encode(withOnnx);
        int modelAt = 9 + ByteBuffer.wrap(bytes).getInt(5);
        int onnxAt = modelAt + 4 + MODEL.length;

        // each length is checked against the array before anything of that size is allocated
        for (int length : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, MODEL.length + 1, MODEL.length - 1}) {
            assertRejected(withInt(bytes, modelAt, length), Rejection.CORRUPT);
        }
        for (int length : new int[] {Integer.MAX_VALUE, Integer.MIN_VALUE, -1, ONNX.length + 1, ONNX.length - 1}) {
            assertRejected(withInt(bytes, onnxAt, length), Rejection.CORRUPT);
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
    void shouldRejectVersion2SnapshotRelabelledAsVersion1() {
        byte[] bytes = codec.encode(snapshot);
        bytes[4] = 1;

        // the empty ONNX section's length is 4 bytes more than a version-1 layout has room for
        assertRejected(bytes, Rejection.CORRUPT);
    }

    @Test
    void shouldRejectSnapshotFromFutureFormatVersion() {
        for (int version : new int[] {3, 0, -1}) {
            byte[] bytes = codec.encode(snapshot);
            bytes[4] = (byte) version;

            assertRejected(bytes, Rejection.UNSUPPORTED_FORMAT);
        }
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
        bytes[13 + ByteBuffer.wrap(bytes).getInt(5) + 3] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectSnapshotWhenOnnxByteTampered() {
        byte[] bytes = codec.encode(withOnnx);
        bytes[bytes.length - 32 - 3] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectVersion1SnapshotWhenModelByteTampered() throws Exception {
        byte[] bytes = signed(1, version1Manifest(snapshot.manifest()), MODEL);
        bytes[bytes.length - 32 - 3] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectSnapshotWhenHmacTampered() {
        byte[] bytes = codec.encode(snapshot);
        bytes[bytes.length - 1] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectSnapshotSignedWithAnotherKey() {
        byte[] otherKey = "another-key-of-enough-length".getBytes(StandardCharsets.US_ASCII);
        byte[] bytes = new SnapshotCodec(otherKey).encode(snapshot);

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
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

    private void assertRejected(byte[] bytes, Rejection reason) {
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
