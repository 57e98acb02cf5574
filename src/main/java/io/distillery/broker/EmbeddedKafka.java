package io.distillery.broker;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.TreeMap;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.Feature;
import org.apache.kafka.server.common.MetadataVersion;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) running inside this JVM, on
 * loopback. Used by {@code demo}, {@code broker} and the integration tests; no Docker needed.
 *
 * <p>The first start formats the data directory (what {@code kafka-storage format} does) and records
 * the ports in it, so a later start on the same directory keeps its data, committed offsets and
 * address, unless it asks for another client port: an explicit port wins, and is recorded. Retention is bounded by {@link Options}. Not thread-safe: start and close from one thread.
 */
public final class EmbeddedKafka implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafka.class);
    private static final String PORTS_FILE = "distillery-ports.properties";
    private static final int NODE_ID = 1;

    private final Path dataDir;
    private final int brokerPort;
    private final KafkaRaftServer server;

    /**
     * Where and how to run.
     *
     * @param dataDir the log directory; created and formatted when new
     * @param brokerPort the client port; 0 keeps the one recorded in the directory, or picks a free one
     *                   for a new directory; any other port is used and recorded
     * @param retentionBytes per-partition retention, bytes
     * @param retentionMs retention, milliseconds
     * @param saslSsl SASL_SSL with ACLs on the client port, or {@code null} for PLAINTEXT without ACLs
     */
    public record Options(Path dataDir, int brokerPort, long retentionBytes, long retentionMs, SaslSsl saslSsl) {
        public Options(Path dataDir, int brokerPort, long retentionBytes, long retentionMs) {
            this(dataDir, brokerPort, retentionBytes, retentionMs, null);
        }

        public static Options of(Path dataDir) {
            return new Options(dataDir, 0, 256L << 20, Duration.ofHours(6).toMillis());
        }

        public Options withPort(int port) {
            return new Options(dataDir, port, retentionBytes, retentionMs, saslSsl);
        }

        public Options withSaslSsl(SaslSsl security) {
            return new Options(dataDir, brokerPort, retentionBytes, retentionMs, security);
        }
    }

    /**
     * A secured node: clients connect over TLS and authenticate with SCRAM-SHA-512; requests are authorized
     * by ACLs (Kafka's {@code StandardAuthorizer}, nothing allowed without one) except for the super user.
     * The node talks to itself (inter-broker) over the same listener as the super user, whose SCRAM credential
     * is written when the directory is formatted; its controller listener is TLS with client certificates, so
     * only a holder of the node's key reaches it. No port accepts PLAINTEXT.
     *
     * @param keystore PKCS12 keystore with the node's key and a certificate valid for 127.0.0.1
     * @param truststore PKCS12 truststore with the CA that signed it
     * @param storePassword password of both stores and of the key
     * @param superUser the SCRAM user that may do anything (create users, topics and ACLs)
     * @param superUserPassword its password
     */
    public record SaslSsl(Path keystore, Path truststore, String storePassword, String superUser,
                          String superUserPassword) {
        /** The SCRAM mechanism of the listener. */
        public static final String MECHANISM = "SCRAM-SHA-512";

        @Override
        public String toString() {
            return "SaslSsl[keystore=" + keystore + ", truststore=" + truststore + ", superUser=" + superUser + "]";
        }

        /** {@code sasl.jaas.config} of a client that logs in as {@code user}. */
        public static String jaasConfig(String user, String password) {
            return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                + "\" password=\"" + password + "\";";
        }

        /** Client settings that log in as {@code user} and trust this node's CA. */
        public Map<String, String> clientSettings(String user, String password) {
            Map<String, String> m = new TreeMap<>();
            m.put("security.protocol", "SASL_SSL");
            m.put("sasl.mechanism", MECHANISM);
            m.put("sasl.jaas.config", jaasConfig(user, password));
            m.put("ssl.truststore.location", truststore.toString());
            m.put("ssl.truststore.password", storePassword);
            m.put("ssl.truststore.type", "PKCS12");
            return m;
        }
    }

    private EmbeddedKafka(Path dataDir, int brokerPort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.brokerPort = brokerPort;
        this.server = server;
    }

    /**
     * Formats the directory if new, starts the node and waits until it accepts connections.
     *
     * @throws IllegalStateException when the node does not come up within a minute
     */
    public static EmbeddedKafka start(Options options) {
        try {
            Files.createDirectories(options.dataDir());
            Path portsFile = options.dataDir().resolve(PORTS_FILE);
            Properties ports = readPorts(portsFile);
            int recorded = ports.isEmpty() ? 0 : Integer.parseInt(ports.getProperty("broker"));
            int brokerPort = options.brokerPort() != 0 ? options.brokerPort() : recorded != 0 ? recorded : freePort();
            int controllerPort = ports.isEmpty() ? freePort() : Integer.parseInt(ports.getProperty("controller"));
            if (recorded != 0 && recorded != brokerPort) {
                LOG.info("{} was last used on port {}; now on port {} as asked", options.dataDir(), recorded,
                    brokerPort);
            }
            Path logDir = options.dataDir().resolve("kraft-logs");
            Map<String, String> props = brokerProps(options, logDir, brokerPort, controllerPort);
            KafkaConfig config = new KafkaConfig(props, false);
            if (!Files.exists(logDir.resolve("meta.properties"))) {
                format(logDir, options.saslSsl());
            }
            if (brokerPort != recorded) {
                writePorts(portsFile, brokerPort, controllerPort);
            }
            KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
            server.startup();
            EmbeddedKafka kafka = new EmbeddedKafka(options.dataDir(), brokerPort, server);
            kafka.awaitListening(Duration.ofMinutes(1));
            LOG.info("in-process Kafka ready at {} (data in {})", kafka.bootstrapServers(), options.dataDir());
            return kafka;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the in-process Kafka in " + options.dataDir(), e);
        }
    }

    /** The client port a data directory last ran on, if it has run. */
    public static OptionalInt recordedPort(Path dataDir) throws IOException {
        Properties ports = readPorts(dataDir.resolve(PORTS_FILE));
        return ports.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(ports.getProperty("broker")));
    }

    /** {@code 127.0.0.1:port}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Shuts the node down cleanly; the data directory stays for a later restart. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    static Map<String, String> brokerProps(Options options, Path logDir, int brokerPort, int controllerPort) {
        Map<String, String> p = new TreeMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", Integer.toString(NODE_ID));
        p.put("controller.quorum.voters", NODE_ID + "@127.0.0.1:" + controllerPort);
        p.put("controller.listener.names", "CONTROLLER");
        if (options.saslSsl() == null) {
            p.put("listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
            p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
            p.put("inter.broker.listener.name", "PLAINTEXT");
            p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        } else {
            secure(p, options.saslSsl(), brokerPort, controllerPort);
        }
        p.put("log.dirs", logDir.toString());
        // A single node: every internal topic has one replica, or transactions and groups hang.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("auto.create.topics.enable", "false");
        p.put("num.partitions", "3");
        // Bounded disk: without these a performance run filled 50 GB of disk in 25 minutes
        // (docs/measurements.md).
        p.put("log.retention.bytes", Long.toString(options.retentionBytes()));
        p.put("log.retention.ms", Long.toString(options.retentionMs()));
        p.put("log.segment.bytes", Integer.toString(32 << 20));
        // Each new segment (and each segment the cleaner writes) preallocates its offset and time index at this
        // size and maps it; on this machine's kernel the first write into a sparse 10 MiB mapped file zeroes a
        // large block at once (1.6-3.2 ms, against 0.03 ms at 128 KiB; docs/measurements.md), which made the broker's
        // request handlers and cleaner hold a core for 5-25 ms beside serving (docs/serving-benchmark.md). A
        // 32 MiB segment gets an index entry per 4 KiB of log at most: 8,192 entries, which 128 KiB holds
        // (8-byte offset entries, 12-byte time entries).
        p.put("log.index.size.max.bytes", Integer.toString(128 << 10));
        p.put("log.retention.check.interval.ms", "30000");
        p.put("message.max.bytes", Integer.toString(64 << 20));
        // The log cleaner's key map is a heap array of this size, allocated at start and zeroed whole before every
        // compaction pass; Kafka's 128 MiB default held 128 MiB of this process's heap and took one core for
        // 20 ms a pass (docs/serving-benchmark.md). This node's compacted topics hold few keys (one per model
        // slot, group partition or instance): 16 MiB still maps about 600,000 (24 bytes a key, 90% full).
        p.put("log.cleaner.dedupe.buffer.size", Integer.toString(16 << 20));
        p.put("replica.fetch.max.bytes", Integer.toString(64 << 20));
        // Kafka's own session timeout (9 s) is kept: a 2 s one restarted a killed broker faster, but on a
        // starved machine the controller timed out the broker's heartbeats and fenced it mid-run.
        return p;
    }

    private static void secure(Map<String, String> p, SaslSsl s, int brokerPort, int controllerPort) {
        p.put("listeners", "SASL_SSL://127.0.0.1:" + brokerPort + ",CONTROLLER://127.0.0.1:" + controllerPort);
        p.put("advertised.listeners", "SASL_SSL://127.0.0.1:" + brokerPort);
        p.put("inter.broker.listener.name", "SASL_SSL");
        p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
        p.put("sasl.enabled.mechanisms", SaslSsl.MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", SaslSsl.MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config",
            SaslSsl.jaasConfig(s.superUser(), s.superUserPassword()));
        p.put("ssl.keystore.location", s.keystore().toString());
        p.put("ssl.keystore.password", s.storePassword());
        p.put("ssl.key.password", s.storePassword());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.truststore.location", s.truststore().toString());
        p.put("ssl.truststore.password", s.storePassword());
        p.put("ssl.truststore.type", "PKCS12");
        p.put("listener.name.controller.ssl.client.auth", "required");
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("allow.everyone.if.no.acl.found", "false");
        p.put("super.users", "User:" + s.superUser() + ";User:" + nodePrincipal(s));
    }

    /** The principal of the node's own certificate on the controller listener: its subject DN. */
    private static String nodePrincipal(SaslSsl s) {
        try (InputStream in = Files.newInputStream(s.keystore())) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, s.storePassword().toCharArray());
            for (String alias : Collections.list(ks.aliases())) {
                if (ks.isKeyEntry(alias)) {
                    return ((X509Certificate) ks.getCertificate(alias)).getSubjectX500Principal().getName();
                }
            }
            throw new IllegalStateException("keystore " + s.keystore() + " holds no key");
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("cannot read the keystore " + s.keystore(), e);
        }
    }

    private static void format(Path logDir, SaslSsl saslSsl) {
        try (PrintStream quiet = new PrintStream(OutputStream.nullOutputStream())) {
            new Formatter()
                .setPrintStream(quiet)
                .setNodeId(NODE_ID)
                .setClusterId(Uuid.randomUuid().toString())
                .addDirectory(logDir.toString())
                .setMetadataLogDirectory(logDir.toString())
                .setReleaseVersion(MetadataVersion.latestProduction())
                .setSupportedFeatures(Feature.PRODUCTION_FEATURES)
                .setControllerListenerName("CONTROLLER")
                .setScramArguments(saslSsl == null ? List.of() : List.of(SaslSsl.MECHANISM + "=[name="
                    + saslSsl.superUser() + ",password=" + saslSsl.superUserPassword() + "]"))
                .run();
        } catch (Exception e) {
            throw new IllegalStateException("cannot format the Kafka data directory " + logDir, e);
        }
    }

    private void awaitListening(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", brokerPort), 500);
                return;
            } catch (IOException notYet) {
                sleep(100);
            }
        }
        throw new IllegalStateException("in-process Kafka did not listen on " + brokerPort + " within " + timeout);
    }

    private static Properties readPorts(Path file) throws IOException {
        Properties p = new Properties();
        if (Files.exists(file)) {
            try (Reader r = Files.newBufferedReader(file)) {
                p.load(r);
            }
        }
        return p;
    }

    private static void writePorts(Path file, int broker, int controller) throws IOException {
        Properties p = new Properties();
        p.setProperty("broker", Integer.toString(broker));
        p.setProperty("controller", Integer.toString(controller));
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "ports of this in-process Kafka node, reused on restart");
        }
    }

    /** A port free on loopback right now. */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for Kafka", e);
        }
    }
}
