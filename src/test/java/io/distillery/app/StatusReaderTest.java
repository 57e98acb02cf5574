package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.junit.jupiter.api.Test;

class StatusReaderTest {
    @Test
    void shouldNotLetTheBrokerHoldFetchesForHalfASecond() {
        Config config = Config.of(Map.of("kafka.bootstrap.servers", "b:9092"));

        assertThat(StatusReader.consumerProperties(config))
            .containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, StatusReader.FETCH_MAX_WAIT_MS)
            .containsEntry(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed")
            .doesNotContainKey(ConsumerConfig.GROUP_ID_CONFIG);
        assertThat(StatusReader.FETCH_MAX_WAIT_MS).isLessThan(100);
    }

    @Test
    void shouldLetTheUserSetTheFetchWait() {
        Config config = Config.of(Map.of("kafka.bootstrap.servers", "b:9092", "kafka.fetch.max.wait.ms", "200"));

        assertThat(StatusReader.consumerProperties(config)).containsEntry(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, "200");
    }
}
