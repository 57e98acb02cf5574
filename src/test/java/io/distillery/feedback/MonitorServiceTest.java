package io.distillery.feedback;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.config.Config;
import io.distillery.config.ConfigException;
import io.distillery.config.MonitorSettings;
import io.distillery.metrics.RoleMetrics;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.TransactionAbortableException;
import org.apache.kafka.streams.errors.LogAndContinueExceptionHandler;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MonitorServiceTest {
    @TempDir
    Path stateDir;

    @Test
    void shouldUseExactlyOnceApplicationIdAndPassKafkaKeysThrough() {
        Config c = Config.of(Map.of("kafka.bootstrap.servers", "b1:9092", "kafka.security.protocol", "SASL_SSL",
            "kafka.processing.guarantee", "at_least_once", "monitor.application.id", "mon-a",
            "monitor.state.dir", stateDir.toString()));
        Properties p = MonitorService.streamsProperties(c, MonitorSettings.from(c));
        assertThat(p).containsEntry("bootstrap.servers", "b1:9092").containsEntry("security.protocol", "SASL_SSL")
            .containsEntry("application.id", "mon-a").containsEntry("processing.guarantee", "exactly_once_v2")
            .containsEntry("state.dir", stateDir.toString())
            .containsEntry("deserialization.exception.handler", LogAndContinueExceptionHandler.class.getName());
    }

    @Test
    void shouldKeepStateOutOfTheOsTempDirAndAnswerKafkaStreamsStartUpWarnings() {
        Config c = Config.of(Map.of("kafka.bootstrap.servers", "b1:9092"));
        Properties p = MonitorService.streamsProperties(c, MonitorSettings.from(c));
        assertThat(p.getProperty("state.dir")).isEqualTo(MonitorSettings.DEFAULT_STATE_DIR.toString())
            .doesNotStartWith(System.getProperty("java.io.tmpdir"));
        assertThat(p).containsEntry("processing.exception.handler.global.enabled", "true");
        Config k8s = Config.of(Map.of("kafka.bootstrap.servers", "b1:9092", "kafka.state.dir", "/var/lib/x"));
        assertThat(MonitorService.streamsProperties(k8s, MonitorSettings.from(k8s))).containsEntry("state.dir", "/var/lib/x");
    }

    @Test
    void shouldRequireBootstrapServersNamingTheKey() {
        Config c = Config.defaults();
        assertThatThrownBy(() -> MonitorService.streamsProperties(c, MonitorSettings.from(c)))
            .isInstanceOf(ConfigException.class).hasMessageStartingWith("kafka.bootstrap.servers must be set");
    }

    @Test
    void shouldBindKafkaStreamsMetricsAndCloseWithoutStarting() {
        Config c = Config.of(Map.of("kafka.bootstrap.servers", "127.0.0.1:1", "monitor.state.dir",
            stateDir.toString()));
        try (RoleMetrics metrics = new RoleMetrics()) {
            MonitorService service = new MonitorService(c, metrics);
            assertThat(service.isRunning()).isTrue();
            assertThat(metrics.scrape()).contains("distill_window_kl{role=\"monitor\"}");
            service.close();
            assertThat(service.isRunning()).isFalse();
        }
    }

    @Test
    void shouldReplaceAStreamThreadOnlyWhenTheBrokerWasAway() {
        Throwable away = new StreamsException("send failed", new TransactionAbortableException("aborted",
            new TimeoutException("Topic distill-monitor-x-changelog not present in metadata after 60000 ms.")));
        assertThat(MonitorService.brokerAway(away)).isTrue();
        assertThat(MonitorService.brokerAway(new StreamsException("bug", new IllegalStateException("in the topology"))))
            .isFalse();
    }
}
