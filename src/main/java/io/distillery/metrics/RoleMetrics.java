package io.distillery.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The metrics of one process: a Prometheus registry with JVM metrics bound, and typed access to the
 * catalog of {@link Metrics}. Each meter carries a {@code role} tag. Thread-safe.
 *
 * <p>A process that runs one role names it at construction: then the series without a role of their
 * own (JVM, Kafka clients bound without one) carry that role too, so every series of a scrape says
 * which role it comes from. Catalog meters always carry the role they were created with.
 *
 * <p>Meters are created only from {@link MetricSpec}s, and the number of tag values must match the
 * spec's tag keys, so names and tags cannot drift from the catalog that dashboards rely on. The unit
 * of a spec is documentation: it is not appended to the name, so the Prometheus names are exactly
 * {@link MetricSpec#prometheusNames()}.
 */
public final class RoleMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, AtomicLong> gaugeValues = new ConcurrentHashMap<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();

    /** Metrics of a process that runs several roles (demo, tests): JVM series carry no {@code role} tag. */
    public RoleMetrics() {
        this(null);
    }

    /**
     * Metrics of a process that runs one role.
     *
     * @param processRole the {@code role} tag of series that set none themselves; {@code null} for none
     */
    public RoleMetrics(String processRole) {
        if (processRole != null) {
            registry.config().commonTags("role", processRole);
        }
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ClassLoaderMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gcMetrics.bindTo(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition of every meter. */
    public String scrape() {
        return registry.scrape();
    }

    public Counter counter(MetricSpec spec, String role, String... tagValues) {
        require(spec, MetricSpec.Type.COUNTER);
        return Counter.builder(spec.name()).description(spec.description())
            .tags(tags(spec, role, tagValues)).register(registry);
    }

    /**
     * A gauge whose value is set by the caller. Setting is lock-free; values are doubles.
     *
     * @return a setter bound to the one series of these tags
     */
    public GaugeValue gauge(MetricSpec spec, String role, String... tagValues) {
        require(spec, MetricSpec.Type.GAUGE);
        Tags tags = tags(spec, role, tagValues);
        String id = spec.name() + tags;
        AtomicLong bits = gaugeValues.computeIfAbsent(id, k -> {
            AtomicLong holder = new AtomicLong(Double.doubleToLongBits(Double.NaN));
            Gauge.builder(spec.name(), holder, h -> Double.longBitsToDouble(h.get()))
                .description(spec.description()).tags(tags).register(registry);
            return holder;
        });
        return value -> bits.set(Double.doubleToLongBits(value));
    }

    /** A latency timer with a Prometheus histogram (buckets from 50 µs to 10 s). */
    public Timer timer(MetricSpec spec, String role, String... tagValues) {
        require(spec, MetricSpec.Type.TIMER);
        return Timer.builder(spec.name()).description(spec.description()).tags(tags(spec, role, tagValues))
            .publishPercentileHistogram().minimumExpectedValue(Duration.ofNanos(50_000))
            .maximumExpectedValue(Duration.ofSeconds(10)).register(registry);
    }

    @Override
    public void close() {
        gcMetrics.close();
        registry.close();
    }

    /** Sets one gauge series. */
    @FunctionalInterface
    public interface GaugeValue {
        void set(double value);
    }

    private static void require(MetricSpec spec, MetricSpec.Type type) {
        if (spec.type() != type) {
            throw new IllegalArgumentException(spec.name() + " is a " + spec.type() + ", not a " + type);
        }
    }

    private static Tags tags(MetricSpec spec, String role, String... values) {
        if (values.length != spec.tagKeys().size()) {
            throw new IllegalArgumentException(spec.name() + " takes tags " + spec.tagKeys() + ", got "
                + values.length + " value(s)");
        }
        Tags tags = Tags.of("role", role);
        for (int i = 0; i < values.length; i++) {
            tags = tags.and(spec.tagKeys().get(i), values[i]);
        }
        return tags;
    }
}
