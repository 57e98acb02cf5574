package io.distillery.snapshot;

import java.util.Locale;

/**
 * Why a snapshot was refused. The set is closed so that it can be a Prometheus tag
 * ({@link #tag()}) without unbounded cardinality.
 */
public enum Rejection {
    /** Too short, wrong magic, or lengths that do not add up; also an unreadable manifest. */
    CORRUPT,
    /** A format version this reader does not know (written by a newer release). */
    UNSUPPORTED_FORMAT,
    /** The signature does not match: tampered bytes, or an HMAC under a different key. */
    BAD_SIGNATURE,
    /**
     * Signed by a key this reader does not trust: an Ed25519 key not among {@code snapshot.verify.keys}
     * (a rotated-out or foreign writer), or the legacy HMAC while {@code snapshot.hmac.key} is unset.
     */
    UNTRUSTED_KEY,
    /**
     * The model bytes do not hash to the manifest's {@code modelSha256}, or the ONNX bytes to its
     * {@code onnxSha256}, including an ONNX section the manifest names but the snapshot lacks, or
     * the reverse.
     */
    CHECKSUM_MISMATCH,
    /** The signed manifest names another model, or a writer role other than the model's own. */
    WRONG_MODEL,
    /** Feature or class count differs from what the reader expects. */
    WRONG_SHAPE,
    /** Not newer than the snapshot already in use. */
    STALE_VERSION,
    /** The model bytes could not be deserialized into a network. */
    LOAD_FAILED,
    /** The restored network failed its test prediction. */
    TEST_PREDICTION_FAILED,
    /** The ONNX graph's logits differ from the network's (the snapshot's two forms disagree). */
    ONNX_MISMATCH,
    /** A weight or bias of the network is NaN or infinite (even when its test logits are finite). */
    NON_FINITE_WEIGHTS;

    private final String tag = name().toLowerCase(Locale.ROOT);

    /** The lower-case name, e.g. {@code bad_signature}, used as a metric tag value. */
    public String tag() {
        return tag;
    }
}
