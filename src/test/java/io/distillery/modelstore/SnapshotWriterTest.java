package io.distillery.modelstore;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SnapshotWriterTest {
    private static final Map<String, String> PLAIN = Map.of("student.batch.size", "64",
        "kafka.ssl.keystore.location", "/etc/kafka/ks.p12");

    private static String hashWithSecrets(String secret) {
        Map<String, String> m = new HashMap<>(PLAIN);
        for (String k : new String[] {"snapshot.hmac.key", "serve.admin.token", "kafka.ssl.key.password",
            "kafka.ssl.keystore.password", "kafka.ssl.keystore.key", "kafka.ssl.truststore.password",
            "kafka.sasl.jaas.config", "kafka.producer.ssl.key.password"}) {
            m.put(k, secret + "-0123456789abcdef");
        }
        return SnapshotWriter.configHash(Config.of(m));
    }

    @Test
    void shouldLeaveSecretsOutOfTheConfigHash() {
        assertThat(hashWithSecrets("one")).isEqualTo(hashWithSecrets("two"))
            .isEqualTo(SnapshotWriter.configHash(Config.of(PLAIN)));
    }

    @Test
    void shouldHashSettingsThatAreNotSecret() {
        Map<String, String> other = new HashMap<>(PLAIN);
        other.put("kafka.ssl.keystore.location", "/etc/kafka/other.p12");
        assertThat(SnapshotWriter.configHash(Config.of(other))).isNotEqualTo(SnapshotWriter.configHash(Config.of(PLAIN)));
        other.put("kafka.ssl.keystore.location", "/etc/kafka/ks.p12");
        other.put("student.batch.size", "128");
        assertThat(SnapshotWriter.configHash(Config.of(other))).isNotEqualTo(SnapshotWriter.configHash(Config.of(PLAIN)));
    }
}
