package io.distillery.metrics;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.binder.kafka.KafkaClientMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import java.time.Duration;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Kafka client metrics of one consumer, producer or Kafka Streams client (fetch lag, fetch and request rates, buffer use,
 * ...) in a role's registry, as Micrometer's {@link KafkaClientMetrics} names them
 * ({@code kafka_consumer_fetch_manager_records_lag_max}, ...), tagged with {@code role} and the
 * client's {@code client.id}.
 *
 * <p>Why a short refresh: Kafka reports {@code records-lag-max} and its kin per client and, once a
 * partition has been fetched, per partition, under one name. A Prometheus registry takes one set of tag
 * keys per name, so Micrometer keeps the most detailed series and removes the others, those of the
 * role's other clients included; each client gets its own back at its binder's next refresh. With
 * Micrometer's default of 60 s a role's second consumer could go a minute without a lag series.
 *
 * <p>Lifecycle: bind right after creating the client and close this just before (or right after)
 * closing the client; closing stops the binder's refresh thread. Never throws
 * into the host: a binding failure is logged and the client runs unobserved.
 */
public final class KafkaClientMeters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(KafkaClientMeters.class);
    static final Duration REFRESH = Duration.ofSeconds(5);

    private final AutoCloseable binder;
    private final ScheduledExecutorService refresher;

    private KafkaClientMeters(AutoCloseable binder, ScheduledExecutorService refresher) {
        this.binder = binder;
        this.refresher = refresher;
    }

    /** Binds the metrics of a consumer, tagged {@code role}. */
    public static KafkaClientMeters bind(RoleMetrics metrics, String role, Consumer<?, ?> consumer) {
        return bind(metrics, s -> new KafkaClientMetrics(consumer, roleTag(metrics, role), s, REFRESH));
    }

    /** Binds the metrics of a producer, tagged {@code role}. */
    public static KafkaClientMeters bind(RoleMetrics metrics, String role, Producer<?, ?> producer) {
        return bind(metrics, s -> new KafkaClientMetrics(producer, roleTag(metrics, role), s, REFRESH));
    }

    /** Binds the metrics of a Kafka Streams client and its internal clients, tagged {@code role}. */
    public static KafkaClientMeters bind(RoleMetrics metrics, String role, KafkaStreams streams) {
        return bind(metrics, s -> new KafkaStreamsMetrics(streams, roleTag(metrics, role), s, REFRESH));
    }

    /**
     * The binder's own {@code role} tag: none when the registry already tags every series with the
     * process's role. Micrometer compares tag counts to keep the most detailed series of a name and
     * counts a binder tag and a registry tag of the same key twice; with both, a client-level meter
     * looked as detailed as another client's topic-level one, its registration failed and its series
     * was lost.
     */
    private static Tags roleTag(RoleMetrics metrics, String role) {
        return metrics.processRole() != null ? Tags.empty() : Tags.of("role", role);
    }

    private static <B extends MeterBinder & AutoCloseable> KafkaClientMeters bind(RoleMetrics metrics,
                                                                              Function<ScheduledExecutorService, B> make) {
        ScheduledThreadPoolExecutor refresher = null;
        try {
            // One daemon thread per binder, as Micrometer's default. Micrometer leaves a scheduler it was given
            // running on close, so close() stops it first: a refresh after the client closed would register the
            // closed client's meters again (stale series, without their lag).
            // Binders of one registry take turns: each compares the registry's meters before registering
            // its own, so two at once could both register a name with different tag keys.
            refresher = new ScheduledThreadPoolExecutor(1, r -> {
                Thread t = new Thread(r, "kafka-client-meters");
                t.setDaemon(true);
                return t;
            }) {
                @Override
                protected void beforeExecute(Thread t, Runnable r) {
                    metrics.kafkaBinding.lock();
                }

                @Override
                protected void afterExecute(Runnable r, Throwable t) {
                    metrics.kafkaBinding.unlock();
                }
            };
            B binder = make.apply(refresher);
            metrics.kafkaBinding.lock();
            try {
                binder.bindTo(metrics.registry());
            } finally {
                metrics.kafkaBinding.unlock();
            }
            return new KafkaClientMeters(binder, refresher);
        } catch (RuntimeException e) {
            LOG.warn("cannot bind Kafka client metrics; the client runs without them", e);
            if (refresher != null) {
                refresher.shutdownNow();
            }
            return new KafkaClientMeters(null, null);
        }
    }

    @Override
    public void close() {
        if (binder == null) {
            return;
        }
        refresher.shutdownNow();
        try {
            // waits out a refresh in progress, which would otherwise re-register what close removes
            if (!refresher.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.warn("Kafka client metrics refresh still running after 10 s; closing anyway");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            binder.close();
        } catch (Exception e) {
            LOG.warn("cannot close Kafka client metrics", e);
        }
    }
}
