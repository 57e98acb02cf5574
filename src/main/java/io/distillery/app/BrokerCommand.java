package io.distillery.app;

import io.distillery.broker.EmbeddedKafka;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** Runs the in-process single-node KRaft broker alone until interrupted: PLAINTEXT, or SASL_SSL with ACLs. */
@Command(name = "broker", mixinStandardHelpOptions = true,
    description = "Run a single-node KRaft Kafka broker in this process, for local development and any Kafka client.")
final class BrokerCommand implements Callable<Integer> {
    static final int DEFAULT_PORT = 9092;

    @Option(names = "--port", description = "client port on 127.0.0.1 (default: the port the data directory "
        + "last used, else " + DEFAULT_PORT + "); a port given here wins over the recorded one")
    Integer port;

    @Option(names = "--data-dir", defaultValue = "data/kafka",
        description = "log directory; reused (same data and port) on restart (default: ${DEFAULT-VALUE})")
    Path dataDir;

    @Option(names = "--retention-mb", defaultValue = "1024", description = "retention per partition, MiB")
    long retentionMb;

    @ArgGroup(exclusive = false, heading = "SASL_SSL with ACLs instead of PLAINTEXT:%n")
    Secure secure;

    /** The options of a secured node; see {@link EmbeddedKafka.SaslSsl}. */
    static final class Secure {
        @Option(names = "--keystore", required = true,
            description = "PKCS12 keystore with the node's key and a certificate for 127.0.0.1")
        Path keystore;

        @Option(names = "--truststore", required = true, description = "PKCS12 truststore with the CA that signed it")
        Path truststore;

        @Option(names = "--store-password-file", required = true,
            description = "file holding the password of both stores and of the key")
        Path storePasswordFile;

        @Option(names = "--super-user", defaultValue = "admin",
            description = "SCRAM-SHA-512 user that may do anything, created with the data directory (default: ${DEFAULT-VALUE})")
        String superUser;

        @Option(names = "--super-user-password-file", required = true, description = "file holding its password")
        Path superUserPasswordFile;

        EmbeddedKafka.SaslSsl settings() throws IOException {
            return new EmbeddedKafka.SaslSsl(keystore, truststore, Files.readString(storePasswordFile).strip(), superUser,
                Files.readString(superUserPasswordFile).strip());
        }
    }

    @Override
    public Integer call() throws InterruptedException, IOException {
        int asked = port != null ? port : EmbeddedKafka.recordedPort(dataDir).orElse(DEFAULT_PORT);
        EmbeddedKafka.Options o = new EmbeddedKafka.Options(dataDir, asked, retentionMb << 20,
            EmbeddedKafka.Options.of(dataDir).retentionMs(), secure == null ? null : secure.settings());
        EmbeddedKafka kafka = EmbeddedKafka.start(o);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            kafka.close();
            stopped.countDown();
        }, "broker-shutdown"));
        System.out.println("Kafka broker ready: bootstrap servers " + kafka.bootstrapServers()
            + (secure == null ? " (PLAINTEXT)" : " (SASL_SSL, SCRAM-SHA-512, ACLs; super user " + secure.superUser + ")"));
        System.out.println("data in " + dataDir.toAbsolutePath() + "; Ctrl-C stops it cleanly");
        stopped.await();
        return 0;
    }
}
