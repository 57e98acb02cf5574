package io.distillery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A throwaway certificate authority and one node certificate it signed (for {@code 127.0.0.1} and
 * {@code localhost}, server and client use), made with the JDK's {@code keytool}: a PKCS12 keystore with
 * the node's key and chain, and a PKCS12 truststore with the CA. Valid for two days; a new password each time.
 *
 * @param keystore the node's key and certificate chain
 * @param truststore the CA certificate
 * @param password of both stores and of the key
 */
public record TestCertificates(Path keystore, Path truststore, String password) {
    private static final String VALIDITY_DAYS = "2";

    /** Makes the CA, the node's key and certificate, and the two stores in {@code dir}. */
    public static TestCertificates create(Path dir) {
        String pw = "pw-" + UUID.randomUUID();
        Path ca = dir.resolve("ca.p12");
        Path caPem = dir.resolve("ca.pem");
        Path node = dir.resolve("node.p12");
        Path csr = dir.resolve("node.csr");
        Path nodePem = dir.resolve("node.pem");
        Path trust = dir.resolve("truststore.p12");
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        keytool("-genkeypair", "-alias", "ca", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=distillery-test-ca",
            "-ext", "bc:c", "-validity", VALIDITY_DAYS, "-keystore", ca, "-storetype", "PKCS12", "-storepass", pw);
        keytool("-exportcert", "-rfc", "-alias", "ca", "-keystore", ca, "-storepass", pw, "-file", caPem);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem, "-keystore", trust, "-storetype", "PKCS12",
            "-storepass", pw);
        keytool("-genkeypair", "-alias", "node", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=localhost",
            "-validity", VALIDITY_DAYS, "-keystore", node, "-storetype", "PKCS12", "-storepass", pw);
        keytool("-certreq", "-alias", "node", "-keystore", node, "-storepass", pw, "-file", csr);
        keytool("-gencert", "-rfc", "-alias", "ca", "-keystore", ca, "-storepass", pw, "-infile", csr,
            "-outfile", nodePem, "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-ext", "EKU=serverAuth,clientAuth",
            "-validity", VALIDITY_DAYS);
        keytool("-importcert", "-noprompt", "-alias", "ca", "-file", caPem, "-keystore", node, "-storepass", pw);
        keytool("-importcert", "-alias", "node", "-file", nodePem, "-keystore", node, "-storepass", pw);
        return new TestCertificates(node, trust, pw);
    }

    private static void keytool(Object... args) {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        for (Object a : args) {
            command.add(a.toString());
        }
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " did not finish within 60 s");
            }
            if (p.exitValue() != 0) {
                throw new IllegalStateException("keytool " + args[0] + " failed (" + p.exitValue() + "): " + output);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }
}
