package io.distillery.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.Test;

/** A meter the Prometheus registry refuses is recorded (and logged), not silently lost. */
class RoleMetricsRegistrationTest {

    @Test
    void shouldRecordAMeterRefusedForTagKeysThatDifferFromItsName() {
        try (RoleMetrics metrics = new RoleMetrics("teacher")) {
            Counter.builder("kafka.consumer.example").tag("client.id", "a").register(metrics.registry());
            assertThat(metrics.failedRegistrations()).isEmpty();
            Counter.builder("kafka.consumer.example").tag("client.id", "b").tag("topic", "t")
                .register(metrics.registry());
            assertThat(metrics.failedRegistrations()).singleElement().asString()
                .startsWith("kafka.consumer.example").contains("topic");
        }
    }

    @Test
    void shouldRegisterStoreMetricsOfEveryStoreTypeUnderOneKey() {
        try (RoleMetrics metrics = new RoleMetrics("monitor")) {
            Counter.builder("kafka.stream.state.put.rate").tag("thread.id", "t1").tag("task.id", "0_0")
                .tag("rocksdb.state.id", "detectors").register(metrics.registry());
            Counter.builder("kafka.stream.state.put.rate").tag("thread.id", "t1").tag("task.id", "1_0")
                .tag("rocksdb.window.state.id", "windows").register(metrics.registry());
            assertThat(metrics.failedRegistrations()).isEmpty();
            assertThat(metrics.scrape()).contains("state_id=\"rocksdb:detectors\"")
                .contains("state_id=\"rocksdb.window:windows\"");
        }
    }
}
