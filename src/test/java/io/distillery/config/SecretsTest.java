package io.distillery.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SecretsTest {
    @Test
    void shouldTreatOurCredentialKeysAsSecret() {
        assertThat(CommonSettings.HMAC_KEY.secret()).isTrue();
        assertThat(ServeSettings.ADMIN_TOKEN.secret()).isTrue();
        assertThat(Secrets.isSecret("snapshot.hmac.key")).isTrue();
        assertThat(Secrets.isSecret("serve.admin.token")).isTrue();
    }

    @Test
    void shouldDeclareNoOtherOfOurKeysSecret() {
        assertThat(ConfigKeys.all()).filteredOn(ConfigKey::secret).extracting(ConfigKey::name)
            .containsExactlyInAnyOrder("snapshot.signing.key", "snapshot.hmac.key", "serve.admin.token",
                "serve.download.token");
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.ssl.key.password", "kafka.ssl.keystore.password", "kafka.ssl.keystore.key",
        "kafka.ssl.truststore.password", "kafka.sasl.jaas.config", "kafka.ssl.keystore.certificate.chain",
        "kafka.sasl.oauthbearer.client.credentials.client.secret", "kafka.producer.ssl.key.password",
        "kafka.consumer.sasl.jaas.config", "kafka.admin.ssl.truststore.password",
        "kafka.main.consumer.ssl.keystore.password", "kafka.restore.consumer.ssl.key.password",
        "kafka.global.consumer.sasl.jaas.config", "kafka.listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config"})
    void shouldTreatKafkaPasswordTypedKeysAsSecretWithOrWithoutClientPrefix(String name) {
        assertThat(Secrets.isSecret(name)).as(name).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"kafka.ssl.keystore.location", "kafka.bootstrap.servers", "kafka.security.protocol",
        "kafka.sasl.mechanism", "kafka.producer.linger.ms", "kafka.sasl.oauthbearer.token.endpoint.url",
        "student.batch.size", "snapshot.hmac", "ssl.key.password.file"})
    void shouldNotTreatOtherKeysAsSecret(String name) {
        assertThat(Secrets.isSecret(name)).as(name).isFalse();
    }

    @Test
    void shouldMaskOnlySecretsThatHaveAValue() {
        assertThat(Secrets.shown("serve.admin.token", "abcdefgh123")).isEqualTo(Secrets.MASK);
        assertThat(Secrets.shown("serve.admin.token", null)).isNull();
        assertThat(Secrets.shown("student.batch.size", "64")).isEqualTo("64");
    }

    @Test
    void shouldLeaveSecretsOutOfTheValues() {
        Map<String, String> values = Map.of("student.batch.size", "64", "snapshot.hmac.key", "k",
            "kafka.producer.ssl.key.password", "p", "kafka.ssl.keystore.location", "/ks.p12");
        assertThat(Secrets.without(values)).containsOnlyKeys("student.batch.size", "kafka.ssl.keystore.location");
    }
}
