package io.distillery.metrics;

import java.util.List;
import java.util.Locale;

/**
 * One metric of the public contract: Micrometer name (dotted), type, base unit, description and tag
 * keys. Dashboards and alert rules use the Prometheus name, see {@link #prometheusNames()}.
 *
 * @param name dotted lower-case Micrometer name, e.g. {@code distill.records.consumed}
 * @param type counter, gauge or timer
 * @param unit base unit ("records", "seconds", "ratio", ...), or empty
 * @param description one line
 * @param tagKeys the tag keys beside the common {@code role} tag; their values come from bounded sets
 */
public record MetricSpec(String name, Type type, String unit, String description, List<String> tagKeys) {
    public enum Type { COUNTER, GAUGE, TIMER }

    public MetricSpec {
        tagKeys = List.copyOf(tagKeys);
    }

    /** The series names Prometheus sees for this metric. */
    public List<String> prometheusNames() {
        String base = name.replace('.', '_').toLowerCase(Locale.ROOT);
        return switch (type) {
            case COUNTER -> List.of(base + "_total");
            case GAUGE -> List.of(base);
            case TIMER -> List.of(base + "_seconds_bucket", base + "_seconds_count", base + "_seconds_sum",
                base + "_seconds_max");
        };
    }
}
