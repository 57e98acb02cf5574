package io.distillery.snapshot;

import io.distillery.config.CommonSettings;
import io.distillery.config.ConfigException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * The keys a role signs and verifies snapshots with.
 *
 * <p>Snapshots are signed with Ed25519: the private key ({@code snapshot.signing.key}) only where
 * snapshots are written (trainer, student), the public keys ({@code snapshot.verify.keys}, one or more)
 * wherever they are read, so a reader can check a model but never make one. Several verify keys at once
 * let the signing key rotate without downtime: trust the new public key everywhere, then switch the
 * writers, then drop the old one. A key is named by its id, the first 8 bytes of the SHA-256 of its
 * X.509 encoding in hex, which each signed snapshot carries.
 *
 * <p>The shared HMAC key of format versions 1 and 2 ({@code snapshot.hmac.key}) is verify-only: while it
 * is set, snapshots signed with it still load, so an upgrade never starts cold; nothing new is signed
 * with it.
 *
 * <p>Immutable and thread-safe.
 */
public final class SnapshotKeys {
    /** The minimum HMAC key length in bytes. */
    public static final int MIN_HMAC_BYTES = 16;
    static final String ALGORITHM = "Ed25519";
    static final int KEY_ID_BYTES = 8;
    /** The X.509 SubjectPublicKeyInfo header of an Ed25519 key, before its 32 bytes. */
    private static final int X509_PREFIX_BYTES = 12;
    private static final Pattern PEM = Pattern.compile(
        "-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]+)-----END \\1-----");

    private final PrivateKey signing;
    private final byte[] signingKeyId;
    private final Map<String, PublicKey> verify;
    /** The same keys as decoded curve points, for {@link Ed25519#verify}. */
    private final Map<String, Ed25519.PublicPoint> points;
    private final SecretKeySpec hmac;

    private SnapshotKeys(PrivateKey signing, byte[] signingKeyId, Map<String, PublicKey> verify, SecretKeySpec hmac) {
        this.signing = signing;
        this.signingKeyId = signingKeyId;
        this.verify = verify;
        Map<String, Ed25519.PublicPoint> p = new LinkedHashMap<>();
        verify.forEach((id, key) -> p.put(id, point(key)));
        this.points = Collections.unmodifiableMap(p);
        this.hmac = hmac;
    }

    /**
     * @param signingPem a PKCS#8 PEM Ed25519 private key (as {@code openssl genpkey -algorithm ed25519}
     *     writes it), or {@code null} for a role that only reads
     * @param verifyPems one or more X.509 PEM Ed25519 public keys, concatenated; may be {@code null} or
     *     blank only when an HMAC key is given
     * @param hmacKey the legacy shared key, verify-only, or {@code null}
     * @throws IllegalArgumentException naming what is wrong: an unreadable key, a signing key whose public
     *     half is not among the verify keys, no key to verify with at all
     */
    public static SnapshotKeys of(String signingPem, String verifyPems, byte[] hmacKey) {
        Map<String, PublicKey> verify = new LinkedHashMap<>();
        if (verifyPems != null) {
            for (byte[] der : pemBlocks(verifyPems, "PUBLIC KEY")) {
                PublicKey key = publicKey(der);
                verify.put(keyId(key), key);
            }
        }
        SecretKeySpec hmac = null;
        if (hmacKey != null) {
            if (hmacKey.length < MIN_HMAC_BYTES) {
                throw new IllegalArgumentException("the HMAC key must be at least " + MIN_HMAC_BYTES
                    + " bytes, was " + hmacKey.length);
            }
            hmac = new SecretKeySpec(hmacKey.clone(), SnapshotCodec.HMAC);
        }
        if (verify.isEmpty() && hmac == null) {
            throw new IllegalArgumentException("no key to verify snapshots with: give one or more Ed25519 public keys");
        }
        PrivateKey signing = null;
        byte[] signingKeyId = null;
        if (signingPem != null && !signingPem.isBlank()) {
            List<byte[]> blocks = pemBlocks(signingPem, "PRIVATE KEY");
            if (blocks.size() != 1) {
                throw new IllegalArgumentException("the signing key must be exactly one PEM private key, found "
                    + blocks.size());
            }
            signing = privateKey(blocks.get(0));
            String id = ownId(signing, verify);
            signingKeyId = HexFormat.of().parseHex(id);
        }
        return new SnapshotKeys(signing, signingKeyId, Collections.unmodifiableMap(verify), hmac);
    }

    /**
     * The keys of a role from its settings.
     *
     * @param signs whether the role writes snapshots, so needs {@code snapshot.signing.key}
     * @throws ConfigException naming the setting that is missing or wrong
     */
    public static SnapshotKeys from(CommonSettings settings, boolean signs) {
        if (signs && settings.signingKey() == null) {
            throw new ConfigException(CommonSettings.SIGNING_KEY.name() + " must be set (env "
                + CommonSettings.SIGNING_KEY.envName() + "): this role writes snapshots and signs them with it"
                + " (openssl genpkey -algorithm ed25519)");
        }
        if (settings.verifyKeys() == null && settings.hmacKey() == null) {
            throw new ConfigException(CommonSettings.VERIFY_KEYS.name() + " must be set (env "
                + CommonSettings.VERIFY_KEYS.envName() + "): snapshots are verified with these Ed25519 public keys"
                + " (openssl pkey -in signing.pem -pubout)");
        }
        try {
            return of(signs ? settings.signingKey() : null, settings.verifyKeys(), settings.hmacKeyBytes());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("snapshot keys: " + e.getMessage());
        }
    }

    /** A fresh Ed25519 key pair, PEM-encoded: {private PKCS#8, public X.509}. For demos and tests. */
    public static String[] generatePem() {
        try {
            KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
            return new String[] {pem("PRIVATE KEY", pair.getPrivate().getEncoded()),
                pem("PUBLIC KEY", pair.getPublic().getEncoded())};
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("the JDK lacks " + ALGORITHM, e);
        }
    }

    /** Whether this role holds the private key, so may write snapshots. */
    public boolean canSign() {
        return signing != null;
    }

    /** The ids of the trusted public keys. */
    public List<String> verifyKeyIds() {
        return new ArrayList<>(verify.keySet());
    }

    /** The id of the key this role signs with, or {@code null}. */
    public String signingKeyId() {
        return signingKeyId == null ? null : HexFormat.of().formatHex(signingKeyId);
    }

    byte[] signingKeyIdBytes() {
        return signingKeyId.clone();
    }

    PrivateKey signing() {
        return signing;
    }

    /** The trusted public key of that id, or {@code null}. */
    PublicKey verifyKey(String id) {
        return verify.get(id);
    }

    /** The trusted public key of that id as a validated curve point, or {@code null}. */
    Ed25519.PublicPoint verifyPoint(String id) {
        return points.get(id);
    }

    /** The legacy HMAC key, or {@code null}. */
    SecretKeySpec hmac() {
        return hmac;
    }

    /**
     * The key's 32 bytes (the end of its X.509 encoding, after the 12 bytes naming Ed25519) as a curve point,
     * fully validated once here so that each verification need not.
     */
    private static Ed25519.PublicPoint point(PublicKey key) {
        byte[] encoded = key.getEncoded();
        if (encoded.length != X509_PREFIX_BYTES + Ed25519.PUBLIC_KEY_SIZE) {
            throw new IllegalArgumentException("an Ed25519 public key encodes to " + (X509_PREFIX_BYTES
                + Ed25519.PUBLIC_KEY_SIZE) + " bytes, this one to " + encoded.length);
        }
        Ed25519.PublicPoint point = Ed25519.validatePublicKeyFullExport(encoded, X509_PREFIX_BYTES);
        if (point == null) {
            throw new IllegalArgumentException("public key " + keyId(key) + " is not a point of Ed25519's group");
        }
        return point;
    }

    /** The first {@value #KEY_ID_BYTES} bytes of the SHA-256 of the key's X.509 encoding, in hex. */
    public static String keyId(PublicKey key) {
        return HexFormat.of().formatHex(Hashes.sha256(key.getEncoded()), 0, KEY_ID_BYTES);
    }

    /** The id of the verify key that checks what the private key signs; the writer must trust itself. */
    private static String ownId(PrivateKey signing, Map<String, PublicKey> verify) {
        byte[] probe = "distillery signing key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(signing);
            s.update(probe);
            byte[] signature = s.sign();
            for (Map.Entry<String, PublicKey> e : verify.entrySet()) {
                Signature v = Signature.getInstance(ALGORITHM);
                v.initVerify(e.getValue());
                v.update(probe);
                if (v.verify(signature)) {
                    return e.getKey();
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("the signing key cannot sign: " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("the signing key's public half is not among the " + verify.size()
            + " verify keys " + verify.keySet() + ": add it, or this role could not read its own snapshots");
    }

    private static PublicKey publicKey(byte[] der) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    private static PrivateKey privateKey(byte[] der) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(der));
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("not an Ed25519 private key in PKCS#8: " + e.getMessage(), e);
        }
    }

    /** The DER bytes of every PEM block of that type in the text; other text between blocks is ignored. */
    static List<byte[]> pemBlocks(String text, String type) {
        Objects.requireNonNull(text);
        List<byte[]> out = new ArrayList<>();
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (!m.group(1).equals(type)) {
                throw new IllegalArgumentException("expected PEM blocks of type " + type + ", found " + m.group(1));
            }
            try {
                out.add(Base64.getMimeDecoder().decode(m.group(2)));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("a " + type + " PEM block is not base64: " + e.getMessage(), e);
            }
        }
        if (out.isEmpty() && !text.isBlank()) {
            throw new IllegalArgumentException("no '-----BEGIN " + type + "-----' block found");
        }
        return out;
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
            + "\n-----END " + type + "-----\n";
    }
}
