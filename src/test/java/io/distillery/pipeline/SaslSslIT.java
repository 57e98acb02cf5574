package io.distillery.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.app.Main;
import io.distillery.broker.EmbeddedKafka.SaslSsl;
import io.distillery.broker.EmbeddedKafka;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.testing.ChildRoles;
import io.distillery.testing.CommittedRecords;
import io.distillery.testing.Pipelines;
import io.distillery.testing.RoleEndpoints;
import io.distillery.testing.RoleProcess;
import io.distillery.testing.TestCertificates;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's security requirement: the in-process broker with only a SASL_SSL client listener (SCRAM-SHA-512
 * over TLS from a throwaway CA made here with keytool) and ACLs on (StandardAuthorizer). The super user
 * creates one SCRAM user per role and runs {@code topics --create --acls}; every role then runs as a child
 * JVM with nothing but its {@code kafka.*} settings and its own user, and the pipeline runs: each valid
 * record gets one committed logit, serving loads a student, the monitor reads every evaluation in its
 * transactions. A client without credentials or with a wrong password is refused, a principal without
 * write on {@code distill.student.snapshots} (serving's, the teacher's) cannot publish there, and an ACL that
 * would let another principal write it makes {@code topics --check --acls} fail.
 *
 * <p>Always the in-process broker (its security options are what is tested). The node's controller
 * listener is TLS with client certificates; no port accepts PLAINTEXT. Child logs: {@code target/sasl-ssl-it/}.
 */
class SaslSslIT {
    private static final List<String> ROLES = List.of("teacher", "student", "monitor", "serve", "produce");
    private static final int RECORDS = 3_000;
    private static final Path LOGS = Path.of("target", "sasl-ssl-it");

    @TempDir
    Path dir;

    private final ChildRoles roles = new ChildRoles(LOGS);
    private EmbeddedKafka kafka;

    @AfterEach
    void stopEverything() {
        roles.close();
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES)
    void shouldRunThePipelineOverSaslSslWithEachRoleHoldingOnlyItsAcls() throws Exception {
        TestCertificates certs = TestCertificates.create(dir.resolve("tls"));
        SaslSsl security = new SaslSsl(certs.keystore(), certs.truststore(), certs.password(), "admin",
            "admin-" + System.nanoTime());
        kafka = EmbeddedKafka.start(EmbeddedKafka.Options.of(dir.resolve("kafka")).withSaslSsl(security));
        String bootstrap = kafka.bootstrapServers();
        Map<String, String> passwords = new HashMap<>();
        ROLES.forEach(r -> passwords.put(r, r + "-" + System.nanoTime()));
        Map<String, Object> admin = client(bootstrap, security, security.superUser(), security.superUserPassword());
        createUsers(admin, passwords);

        Map<String, String> operator = new HashMap<>(kafkaSettings(bootstrap, security, security.superUser(),
            security.superUserPassword()));
        ROLES.forEach(r -> operator.put("acl.principal." + r, "User:" + r));
        assertThat(topics(operator, "--acls")).as("topics --create --acls").isZero();

        Map<String, String> settings = Pipelines.smallConfig("unused", Map.of("feedback.enabled", "false",
            "monitor.state.dir", dir.resolve("monitor-state").toString(), "monitor.window.ms", "2000",
            "monitor.grace.ms", "1000"))
            .explicitValues();
        Map<String, Object> serveClient = client(bootstrap, security, "serve", passwords.get("serve"));
        int servePort = RoleEndpoints.freePort();
        for (String r : List.of("teacher", "student", "monitor", "serve")) {
            Map<String, String> own = new HashMap<>(settings);
            own.putAll(kafkaSettings(bootstrap, security, r, passwords.get(r)));
            own.put("serve.port", Integer.toString(servePort));
            roles.withMetrics(r, List.of(r), own).start();
        }
        Map<String, String> produceSettings = new HashMap<>(settings);
        produceSettings.putAll(kafkaSettings(bootstrap, security, "produce", passwords.get("produce")));
        RoleProcess produce = roles.add("produce", List.of("produce", "synthetic", "--count",
            Integer.toString(RECORDS), "--rate", "300", "--labeled-fraction", "0.3", "--quiet"), produceSettings)
            .start();
        assertThat(produce.awaitExit(Duration.ofMinutes(2))).as("produce exit status").isZero();

        Config config = Pipelines.smallConfig("unused", settings);
        Set<String> validIds = CommittedRecords.validInputIds(admin, DataSettings.from(config), RECORDS / 2);
        Map<String, Long> perId = CommittedRecords.logitsPerId(admin, validIds.size(), Duration.ofMinutes(2));
        assertThat(perId.keySet()).as("ids with a committed logit").isEqualTo(validIds);
        assertThat(perId.values()).as("logits per id").containsOnly(1L);
        roles.all().get(1).awaitOutput("StudentLoop - student snapshot v", Duration.ofMinutes(1));
        assertThat(RoleEndpoints.awaitServedVersion(servePort, v -> v > 0, Duration.ofMinutes(1)))
            .as("student version served").isPositive();
        // one evaluation per logit; under exactly-once the monitor's commits are transactions
        assertThat(awaitMonitorCommitted(admin, validIds.size(), Duration.ofMinutes(2))).as("evaluations the monitor "
            + "read and committed; evaluations written %d; monitor /health %s", endOffsets(admin, "distill.student.evals"),
            RoleEndpoints.get(roles.metricsPort(roles.all().get(2)), "/health")).isGreaterThanOrEqualTo(validIds.size());
        for (RoleProcess r : roles.all().subList(0, 4)) {
            assertThat(r.unexpectedExits()).as(r.name() + " exits").isEmpty();
        }

        // serving may write nowhere, so even its idempotent producer's id is refused (cluster authorization)
        assertThatThrownBy(() -> send(serveClient, "distill.student.snapshots"))
            .as("serving's principal publishing a student snapshot").hasCauseInstanceOf(AuthorizationException.class);
        assertThatThrownBy(() -> send(client(bootstrap, security, "teacher", passwords.get("teacher")),
            "distill.student.snapshots")).as("the teacher's principal publishing a student snapshot")
            .hasCauseInstanceOf(TopicAuthorizationException.class);
        assertThatThrownBy(() -> send(client(bootstrap, security, "serve", "wrong"), "distill.records.labeled"))
            .as("a wrong password").hasCauseInstanceOf(SaslAuthenticationException.class);
        Map<String, Object> anonymous = new HashMap<>(Map.of("bootstrap.servers", bootstrap,
            "security.protocol", "SSL", "ssl.truststore.location", certs.truststore().toString(),
            "ssl.truststore.password", certs.password(), "ssl.truststore.type", "PKCS12",
            "default.api.timeout.ms", "10000", "request.timeout.ms", "5000"));
        try (Admin nobody = Admin.create(anonymous)) {
            assertThatThrownBy(() -> nobody.listTopics().names().get()).as("a client without credentials")
                .isInstanceOf(ExecutionException.class);
        }

        try (Admin a = Admin.create(admin)) {
            a.createAcls(List.of(new AclBinding(new ResourcePattern(ResourceType.TOPIC, "distill.student.", PatternType.PREFIXED),
                new AccessControlEntry("User:serve", "*", AclOperation.WRITE, AclPermissionType.ALLOW)))).all().get();
        }
        StringWriter out = new StringWriter();
        assertThat(topics(operator, out, "--check", "--acls")).as("topics --check --acls with a foreign writer")
            .isEqualTo(1);
        assertThat(out.toString()).contains("User:serve").contains("may write distill.student.snapshots");
    }

    private static void createUsers(Map<String, Object> admin, Map<String, String> passwords) throws Exception {
        try (Admin a = Admin.create(admin)) {
            a.alterUserScramCredentials(passwords.entrySet().stream().map(e -> (org.apache.kafka.clients.admin
                .UserScramCredentialAlteration) new UserScramCredentialUpsertion(e.getKey(),
                new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, 8192), e.getValue())).toList()).all().get();
        }
    }

    private static int topics(Map<String, String> settings, String... args) {
        return topics(settings, new StringWriter(), args);
    }

    /** Runs the {@code topics} command in this JVM, as the operator would; its output goes to {@code out} too. */
    private static int topics(Map<String, String> settings, StringWriter out, String... args) {
        List<String> a = new ArrayList<>(List.of("topics"));
        a.addAll(List.of(args));
        settings.forEach((k, v) -> a.addAll(List.of("--set", k + "=" + v)));
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), a.toArray(String[]::new));
        System.out.print(out);
        System.out.print(err);
        return exit;
    }

    private static void send(Map<String, Object> client, String topic) throws Exception {
        Map<String, Object> p = new HashMap<>(client);
        p.put("max.block.ms", "20000");
        p.put("delivery.timeout.ms", "20000");
        p.put("request.timeout.ms", "10000");
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p, new ByteArraySerializer(),
            new ByteArraySerializer())) {
            producer.send(new ProducerRecord<>(topic, "student".getBytes(StandardCharsets.UTF_8), new byte[16])).get();
        }
    }

    /**
     * Waits until the monitor's Kafka Streams group has committed {@code end} offsets on the evaluations in all
     * (under exactly-once a commit is a transaction: its group, transactional id and internal topics are
     * authorized); returns the sum of its committed offsets.
     */
    private static long awaitMonitorCommitted(Map<String, Object> admin, long end, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        long committed = 0;
        try (Admin a = Admin.create(admin)) {
            while (committed < end && System.nanoTime() < deadline) {
                Thread.sleep(500);
                committed = a.listConsumerGroupOffsets("distill-monitor").partitionsToOffsetAndMetadata().get()
                    .entrySet().stream().filter(e -> e.getKey().topic().equals("distill.student.evals"))
                    .mapToLong(e -> e.getValue().offset()).sum();
            }
        }
        return committed;
    }

    private static long endOffsets(Map<String, Object> admin, String topic) throws Exception {
        try (Admin a = Admin.create(admin)) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            a.describeTopics(List.of(topic)).allTopicNames().get().get(topic).partitions()
                .forEach(p -> latest.put(new TopicPartition(topic, p.partition()), OffsetSpec.latest()));
            return a.listOffsets(latest).all().get().values().stream().mapToLong(r -> r.offset()).sum();
        }
    }

    private static Map<String, String> kafkaSettings(String bootstrap, SaslSsl security, String user, String password) {
        Map<String, String> m = new HashMap<>();
        m.put("kafka.bootstrap.servers", bootstrap);
        security.clientSettings(user, password).forEach((k, v) -> m.put("kafka." + k, v));
        return m;
    }

    private static Map<String, Object> client(String bootstrap, SaslSsl security, String user, String password) {
        Map<String, Object> m = new HashMap<>(security.clientSettings(user, password));
        m.put("bootstrap.servers", bootstrap);
        return m;
    }
}
