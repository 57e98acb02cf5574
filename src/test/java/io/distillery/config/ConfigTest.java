package io.distillery.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {
    @TempDir
    Path dir;

    @Test
    void shouldTakeFlagOverEnvOverFileOverDefault() throws Exception {
        Path file = dir.resolve("distill.properties");
        Files.writeString(file, "data.features=10\ndata.classes=3\ndata.max.record.bytes=1000\n");
        Map<String, String> env = Map.of("DISTILL_DATA_CLASSES", "4", "DISTILL_DATA_MAX_RECORD_BYTES", "2000");
        Map<String, String> flags = Map.of("data.max.record.bytes", "3000");

        Config c = Config.load(flags, env, file);

        assertThat(c.getInt(DataSettings.FEATURES)).isEqualTo(10);
        assertThat(c.origin(DataSettings.FEATURES)).isEqualTo("file " + file);
        assertThat(c.getInt(DataSettings.CLASSES)).isEqualTo(4);
        assertThat(c.origin(DataSettings.CLASSES)).isEqualTo("env DISTILL_DATA_CLASSES");
        assertThat(c.getInt(DataSettings.MAX_RECORD_BYTES)).isEqualTo(3000);
        assertThat(c.origin(DataSettings.MAX_RECORD_BYTES)).isEqualTo("flag");
        assertThat(Config.defaults().getInt(DataSettings.FEATURES)).isEqualTo(784);
        assertThat(Config.defaults().origin(DataSettings.FEATURES)).isEqualTo("default");
    }

    @Test
    void shouldIgnoreEnvironmentVariablesWithoutThePrefix() {
        Config c = Config.load(Map.of(), Map.of("PATH", "/bin", "DATA_CLASSES", "7"), null);
        assertThat(c.getInt(DataSettings.CLASSES)).isEqualTo(10);
    }

    @Test
    void shouldPassKafkaKeysThroughUntouched() {
        Config c = Config.load(Map.of("kafka.bootstrap.servers", "b:9092"),
            Map.of("DISTILL_KAFKA_SECURITY_PROTOCOL", "SASL_SSL", "DISTILL_KAFKA_SASL_MECHANISM", "PLAIN"), null);
        assertThat(c.kafkaProperties()).containsEntry("bootstrap.servers", "b:9092")
            .containsEntry("security.protocol", "SASL_SSL").containsEntry("sasl.mechanism", "PLAIN");
    }

    @Test
    void shouldRejectUnknownKeyNamingItAndItsSource() {
        assertThatThrownBy(() -> Config.load(Map.of("data.featurez", "3"), Map.of(), null))
            .isInstanceOf(ConfigException.class)
            .hasMessageContaining("unknown configuration key(s): data.featurez (from flag)");
    }

    @Test
    void shouldNameKeyAndValueWhenNotAnInteger() {
        Config c = Config.of(Map.of("data.features", "many"));
        assertThatThrownBy(() -> DataSettings.from(c)).isInstanceOf(ConfigException.class)
            .hasMessage("data.features must be an integer, was 'many'");
    }

    @Test
    void shouldNameKeyAndValueWhenOutOfRange() {
        assertThatThrownBy(() -> DataSettings.from(Config.of(Map.of("data.features", "-1"))))
            .hasMessage("data.features must be > 0, was -1");
        assertThatThrownBy(() -> DataSettings.from(Config.of(Map.of("data.classes", "1"))))
            .hasMessage("data.classes must be >= 2, was 1");
        assertThatThrownBy(() -> CommonSettings.from(Config.of(Map.of("metrics.port", "70000"))))
            .hasMessage("metrics.port must be a port in [0, 65535], was 70000");
    }

    @Test
    void shouldRejectShortHmacKeyAndNameTheKeyWhenMissing() {
        assertThatThrownBy(() -> CommonSettings.from(Config.of(Map.of("snapshot.hmac.key", "short"))))
            .hasMessageContaining("snapshot.hmac.key must be at least 16 bytes");

    }

    @Test
    void shouldFailClearlyWhenFileIsMissing() {
        assertThatThrownBy(() -> Config.load(Map.of(), Map.of(), dir.resolve("nope.properties")))
            .isInstanceOf(ConfigException.class).hasMessageContaining("cannot read config file");
    }

    @Test
    void shouldParseBooleansListsAndDoubles() {
        ConfigKey list = new ConfigKey("x.list", "512, 256", "a list");
        assertThat(Config.defaults().getIntList(list)).containsExactly(512, 256);
        ConfigKey bad = new ConfigKey("x.bad", "1,a", "a list");
        assertThatThrownBy(() -> Config.defaults().getIntList(bad))
            .hasMessage("x.bad must be a comma-separated list of integers, was '1,a'");
        ConfigKey nan = new ConfigKey("x.nan", "NaN", "a number");
        assertThatThrownBy(() -> Config.defaults().getDouble(nan)).hasMessage("x.nan must be a finite number, was 'NaN'");
        ConfigKey flag = new ConfigKey("x.flag", "maybe", "a boolean");
        assertThatThrownBy(() -> Config.defaults().getBoolean(flag)).hasMessage("x.flag must be true or false, was 'maybe'");
    }

    @Test
    void shouldMapKeyToEnvironmentName() {
        assertThat(DataSettings.MAX_RECORD_BYTES.envName()).isEqualTo("DISTILL_DATA_MAX_RECORD_BYTES");
        assertThat(Config.keyOfEnv("DISTILL_DATA_MAX_RECORD_BYTES")).isEqualTo("data.max.record.bytes");
    }

    @Test
    void shouldDeclareEveryKeyOnceWithDoc() {
        assertThat(ConfigKeys.all()).isNotEmpty().allSatisfy(k -> assertThat(k.doc()).isNotBlank());
        assertThat(ConfigKeys.all().stream().map(ConfigKey::name)).doesNotHaveDuplicates();
    }
}
