package io.distillery.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.spec.DistillationSpec;
import io.distillery.spec.NetworkSpec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InvalidClassException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;

/**
 * Network bytes are read as untrusted: the JVM's serial filter (deploy/jvm.options, which the tests run
 * with) rejects any class a snapshot does not need, the reader admits only the entries it writes, and
 * no entry inflates without bound.
 */
class UntrustedBytesTest {
    private static final NetworkSpec SPEC = new NetworkSpec(4, List.of(6), 3, "tanh", "adam", 1e-2, 5);

    /** A class an attacker plants in a serialized stream; its readObject records that it ran. */
    static final class Planted implements Serializable {
        private static final long serialVersionUID = 1L;
        static volatile boolean deserialized;

        private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
            in.defaultReadObject();
            deserialized = true;
        }
    }

    @Test
    void shouldRunWithTheSerialFilterOfTheLauncherFlags() throws IOException {
        String line = Files.readAllLines(Path.of("deploy/jvm.options")).stream()
            .filter(l -> l.startsWith("-Djdk.serialFilter=")).findFirst().orElseThrow();

        assertThat(System.getProperty("jdk.serialFilter")).isEqualTo(line.substring("-Djdk.serialFilter=".length()));
        assertThat(line).endsWith(";!*");
    }

    @Test
    void shouldRejectAPlantedClassInAnyObjectStream() throws IOException {
        Planted.deserialized = false;
        byte[] stream = serialized(new Planted());

        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(stream))) {
            assertThatThrownBy(in::readObject).isInstanceOf(InvalidClassException.class)
                .hasMessageContaining("REJECTED");
        }
        assertThat(Planted.deserialized).isFalse();
    }

    @Test
    void shouldRefuseANetworkCarryingAJavaSerializedPreprocessorWithoutReadingIt() throws IOException {
        Planted.deserialized = false;
        byte[] network = Network.student(SPEC, new DistillationSpec(1, 0.5)).toBytes(false);

        for (String entry : List.of("preprocessor.bin", "normalizer.bin", "../../etc/passwd")) {
            byte[] planted = withEntry(network, entry, serialized(new Planted()));

            assertThatThrownBy(() -> Network.fromBytes(planted)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unexpected zip entry '" + entry + "'");
        }
        assertThat(Planted.deserialized).isFalse();
    }

    @Test
    void shouldRefuseAnEntryThatInflatesPastTheBound() throws IOException {
        byte[] network = Network.student(SPEC, new DistillationSpec(1, 0.5)).toBytes(false);
        // zeros deflate about a thousandfold: 64 MiB become a zip of some 64 KiB
        byte[] bomb = withEntry(network, "coefficients.bin", new byte[64 << 20]);

        assertThat(bomb.length).isLessThan(1 << 20);
        assertThatThrownBy(() -> Network.fromBytes(bomb)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("zip entry 'coefficients.bin' inflates past the bound");
    }

    @Test
    void shouldStillReadTheNetworksItWrites() {
        Network student = Network.student(SPEC, new DistillationSpec(1, 0.5));
        Network teacher = Network.teacher(SPEC);
        float[][] row = {{0.5f, -1, 2, 0}};

        assertThat(Network.fromBytes(student.toBytes(true)).logits(row)).isDeepEqualTo(student.logits(row));
        assertThat(Network.fromBytes(teacher.toBytes(false)).logits(row)).isDeepEqualTo(teacher.logits(row));
    }

    private static byte[] serialized(Object o) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(o);
        }
        return bytes.toByteArray();
    }

    /** The network's zip with one entry replaced or added. */
    private static byte[] withEntry(byte[] network, String name, byte[] content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(network));
             ZipOutputStream zip = new ZipOutputStream(out)) {
            for (ZipEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
                if (!e.getName().equals(name)) {
                    zip.putNextEntry(new ZipEntry(e.getName()));
                    in.transferTo(zip);
                    zip.closeEntry();
                }
            }
            zip.putNextEntry(new ZipEntry(name));
            zip.write(content);
            zip.closeEntry();
        }
        return out.toByteArray();
    }
}
