package io.distillery.snapshot;

import static io.distillery.snapshot.SnapshotFixtures.TEST_KEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

class SnapshotCodecTest {

    private static final byte[] MODEL = "pretend these are network bytes".getBytes(StandardCharsets.UTF_8);
    private final SnapshotCodec codec = new SnapshotCodec(TEST_KEY);
    private final Snapshot snapshot = Snapshot.of(SnapshotFixtures.manifest(4, 3), MODEL);

    @Test
    void shouldRoundTripSnapshot() throws Exception {
        Snapshot decoded = codec.decode(codec.encode(snapshot));

        assertThat(decoded).isEqualTo(snapshot);
        assertThat(decoded.manifest().inputOffsets()).containsEntry("distill.teacher.logits-0", 42L);
        assertThat(decoded.manifest().modelSha256()).hasSize(64);
        assertThat(decoded.modelBytes()).isEqualTo(MODEL);
    }

    @Test
    void shouldFollowDocumentedLayout() {
        byte[] bytes = codec.encode(snapshot);
        ByteBuffer in = ByteBuffer.wrap(bytes);

        assertThat(new String(bytes, 0, 4, StandardCharsets.US_ASCII)).isEqualTo("DSNP");
        assertThat(bytes[4]).isEqualTo((byte) 1);
        int manifestLength = in.getInt(5);
        assertThat(new String(bytes, 9, manifestLength, StandardCharsets.UTF_8))
                .startsWith("{").contains("\"model\":\"student\"");
        assertThat(in.getInt(9 + manifestLength)).isEqualTo(MODEL.length);
        assertThat(bytes).hasSize(13 + manifestLength + MODEL.length + 32);
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
    void shouldRejectSnapshotFromFutureFormatVersion() {
        byte[] bytes = codec.encode(snapshot);
        bytes[4] = 2;

        assertRejected(bytes, Rejection.UNSUPPORTED_FORMAT);
    }

    @Test
    void shouldRejectSnapshotWhenManifestByteTampered() {
        byte[] bytes = codec.encode(snapshot);
        bytes[9 + 10] ^= 1;

        assertRejected(bytes, Rejection.BAD_SIGNATURE);
    }

    @Test
    void shouldRejectSnapshotWhenModelByteTampered() {
        byte[] bytes = codec.encode(snapshot);
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
        SnapshotManifest manifest = Snapshot.of(SnapshotFixtures.manifest(4, 3), MODEL).manifest();
        byte[] json = new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(manifest);
        byte[] otherModel = "other bytes".getBytes(StandardCharsets.UTF_8);

        assertRejected(signedLayout(json, otherModel), Rejection.CHECKSUM_MISMATCH);
    }

    @Test
    void shouldRejectSignedSnapshotWithUnreadableManifest() throws Exception {
        byte[] json = "{\"id\":".getBytes(StandardCharsets.UTF_8);

        assertRejected(signedLayout(json, MODEL), Rejection.CORRUPT);
    }

    private static byte[] signedLayout(byte[] manifestJson, byte[] model) throws Exception {
        ByteBuffer out = ByteBuffer.allocate(13 + manifestJson.length + model.length + 32);
        out.put("DSNP".getBytes(StandardCharsets.US_ASCII)).put((byte) 1)
                .putInt(manifestJson.length).put(manifestJson).putInt(model.length).put(model);
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(TEST_KEY, "HmacSHA256"));
        mac.update(out.array(), 0, out.position());
        out.put(mac.doFinal());
        return out.array();
    }

    private void assertRejected(byte[] bytes, Rejection reason) {
        assertThatThrownBy(() -> codec.decode(bytes))
                .isInstanceOfSatisfying(SnapshotException.class,
                        e -> assertThat(e.reason()).isEqualTo(reason));
    }
}
