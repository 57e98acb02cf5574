package io.distillery.app;

import io.distillery.config.Config;
import io.distillery.config.HeartbeatSettings;
import io.distillery.metrics.Metrics;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.Heartbeat;
import io.distillery.records.HeartbeatCodec;
import io.distillery.service.Health;
import io.distillery.service.HealthCheck;
import io.distillery.service.ServiceLoop;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One role instance's heartbeat: every {@code heartbeat.interval.ms} it writes a {@link Heartbeat} to
 * {@code distill.instances} (key {@code role/instance}) with the state of the role's parts, the model
 * versions and the largest consumer lag its metrics hold; on a requested stop it writes a tombstone, so
 * an instance stopped on purpose leaves the compacted topic while one that died goes silent.
 *
 * <p>A heartbeat that cannot be sent is logged and retried with the next one; it never stops the role.
 * Reads the role's metrics from the registry, so it needs nothing from the parts but their health.
 */
final class Heartbeats extends ServiceLoop {
    private static final Logger LOG = LoggerFactory.getLogger(Heartbeats.class);
    /** Micrometer's name of Kafka's {@code records-lag-max} consumer metric. */
    static final String LAG_METER = "kafka.consumer.fetch.manager.records.lag.max";

    private final String role;
    private final HeartbeatSettings settings;
    private final Map<String, Object> producerProperties;
    private final ClientFactory clients;
    private final MeterRegistry registry;
    private final List<? extends HealthCheck> parts;
    private final Clock clock;
    private Producer<byte[], byte[]> producer;

    Heartbeats(String role, Config config, ClientFactory clients, RoleMetrics metrics, List<? extends HealthCheck> parts,
               Duration stuckAfter, Clock clock) {
        super(role + "-heartbeat", stuckAfter, clock);
        this.role = role;
        this.settings = HeartbeatSettings.from(config);
        this.producerProperties = KafkaClients.producer(config, Map.of("max.block.ms", "10000", "linger.ms", "0"));
        this.clients = clients;
        this.registry = metrics.registry();
        this.parts = List.copyOf(parts);
        this.clock = clock;
    }

    @Override
    protected void setUp() {
        producer = clients.producer(producerProperties);
    }

    @Override
    protected void doWork() throws InterruptedException {
        send(HeartbeatCodec.encode(current()));
        pause(settings.intervalMs());
    }

    @Override
    protected void finish() {
        try {
            send(null);
            producer.flush();
        } catch (RuntimeException e) {
            LOG.warn("{}: no tombstone written, the instance will look silent: {}", name(), e.toString());
        }
    }

    @Override
    protected void tearDown() {
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
        }
    }

    /** The heartbeat this instance would write now. */
    Heartbeat current() {
        Map<String, String> states = new LinkedHashMap<>();
        boolean healthy = true;
        for (HealthCheck part : parts) {
            Health h = part.health();
            healthy &= h.healthy();
            states.put(part.name(), (h.healthy() ? "up " : "down ") + h.detail());
        }
        Map<String, Long> versions = new LinkedHashMap<>();
        for (Gauge g : registry.find(Metrics.SNAPSHOT_VERSION.name()).tag("role", role).gauges()) {
            double v = g.value();
            String model = g.getId().getTag("model");
            if (model != null && Double.isFinite(v) && v > 0) {
                versions.put(model, (long) v);
            }
        }
        return new Heartbeat(role, settings.instance(), clock.millis(), settings.intervalMs(), healthy, states,
            versions, lag(), state(), SnapshotCodec.FORMAT_VERSION);
    }

    private long lag() {
        double max = -1;
        for (Gauge g : registry.find(LAG_METER).tag("role", role).gauges()) {
            if (Double.isFinite(g.value())) {
                max = Math.max(max, g.value());
            }
        }
        return (long) max;
    }

    private Map<String, Double> state() {
        Map<String, Double> state = new LinkedHashMap<>();
        for (Gauge g : registry.find(Metrics.EMISSION_RATIO.name()).tag("role", role).gauges()) {
            if (Double.isFinite(g.value())) {
                state.put("emissionShare", g.value());
            }
        }
        double responses = 0;
        boolean any = false;
        for (Counter c : registry.find(Metrics.DRIFT_RESPONSES.name()).tag("role", role).counters()) {
            responses += c.count();
            any = true;
        }
        if (any) {
            state.put("driftResponses", responses);
        }
        return state;
    }

    private void send(byte[] value) {
        byte[] key = Heartbeat.key(role, settings.instance()).getBytes(StandardCharsets.UTF_8);
        producer.send(new ProducerRecord<>(Topics.INSTANCES.name(), key, value), (meta, e) -> {
            if (e != null) {
                LOG.warn("{}: heartbeat not sent: {}", name(), e.toString());
            }
        });
    }
}
