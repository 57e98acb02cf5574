package io.distillery.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

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
    private static final Logger LOG = LoggerFactory.getLogger(RoleMetrics.class);
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private static final String STATE_ID = "state.id";
    /**
     * Kafka Streams puts a store's type in the tag key of its metrics ({@code rocksdb.state.id},
     * {@code rocksdb.window.state.id}, {@code in.memory.state.id}, ...) under one metric name, and
     * Prometheus takes one set of tag keys per name: the second type's series were refused. The key
     * becomes {@code state.id} and the type moves into the value ({@code rocksdb.window:<store>}); the
     * number of tags stays the same, which Micrometer's Kafka binder compares.
     */
    private static final MeterFilter ONE_STATE_STORE_KEY = new MeterFilter() {
        @Override
        public Meter.Id map(Meter.Id id) {
            if (!id.getName().startsWith("kafka.stream.")) {
                return id;
            }
            List<Tag> tags = new ArrayList<>();
            boolean changed = false;
            for (Tag t : id.getTagsAsIterable()) {
                String key = t.getKey();
                if (key.endsWith("." + STATE_ID)) {
                    tags.add(Tag.of(STATE_ID, key.substring(0, key.length() - STATE_ID.length() - 1) + ":"
                        + t.getValue()));
                    changed = true;
                } else {
                    tags.add(t);
                }
            }
            return changed ? id.replaceTags(tags) : id;
        }
    };

    private final Map<String, AtomicLong> gaugeValues = new ConcurrentHashMap<>();
    private final JvmGcMetrics gcMetrics = new JvmGcMetrics();
    private final Set<String> failedRegistrations = ConcurrentHashMap.newKeySet();
    /** Held while a Kafka client binder compares and registers its meters (see KafkaClientMeters). */
    final ReentrantLock kafkaBinding = new ReentrantLock();
    private final String processRole;

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
        this.processRole = processRole;
        if (processRole != null) {
            registry.config().commonTags("role", processRole);
        }
        registry.config().meterFilter(ONE_STATE_STORE_KEY);
        registry.config().onMeterRegistrationFailed((id, reason) -> {
            if (failedRegistrations.add(id.getName() + " " + tagKeys(id))) {
                LOG.warn("meter {} not registered, its series is lost: {}", id.getName(), reason);
            }
        });
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

    /** The role every series of this process carries, or {@code null} when series name their own. */
    String processRole() {
        return processRole;
    }

    /**
     * Every meter (name and tag keys) the registry refused since start, e.g. a name registered with two
     * different sets of tag keys, which Prometheus does not allow; each is also logged once. Empty in a
     * healthy process: a refused meter is a series nobody can see.
     */
    public Set<String> failedRegistrations() {
        return Set.copyOf(failedRegistrations);
    }

    private static List<String> tagKeys(Meter.Id id) {
        return id.getTags().stream().map(Tag::getKey).sorted().toList();
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
     * Registers one counter series at 0 for each combination of tag values whose values are known up front
     * (every reject reason, every detector and signal), so that a rate over it reads 0 rather than nothing
     * until the first event, as Prometheus advises.
     *
     * @param valuesPerKey the possible values of each of the spec's tag keys, in the spec's key order
     */
    public void zeroCounters(MetricSpec spec, String role, List<List<String>> valuesPerKey) {
        if (valuesPerKey.size() != spec.tagKeys().size()) {
            throw new IllegalArgumentException(spec.name() + " takes tags " + spec.tagKeys() + ", got values for "
                + valuesPerKey.size());
        }
        List<List<String>> combinations = List.of(List.of());
        for (List<String> values : valuesPerKey) {
            List<List<String>> longer = new ArrayList<>();
            for (List<String> prefix : combinations) {
                for (String v : values) {
                    List<String> c = new ArrayList<>(prefix);
                    c.add(v);
                    longer.add(c);
                }
            }
            combinations = longer;
        }
        combinations.forEach(c -> counter(spec, role, c.toArray(String[]::new)));
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
