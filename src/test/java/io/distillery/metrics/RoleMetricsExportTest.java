package io.distillery.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The series a scrape shows are exactly the names the catalog promises to dashboards and alerts. */
class RoleMetricsExportTest {

    @Test
    void shouldExportEveryCatalogMetricUnderItsPrometheusName() {
        Set<String> scraped;
        try (RoleMetrics metrics = new RoleMetrics()) {
            for (MetricSpec spec : Metrics.ALL) {
                String[] tagValues = spec.tagKeys().stream().map(k -> "x").toArray(String[]::new);
                switch (spec.type()) {
                    case COUNTER -> metrics.counter(spec, "test", tagValues).increment();
                    case GAUGE -> metrics.gauge(spec, "test", tagValues).set(1.0);
                    case TIMER -> metrics.timer(spec, "test", tagValues).record(Duration.ofMillis(3));
                }
            }
            scraped = seriesNames(metrics.scrape());
        }
        Set<String> promised = new TreeSet<>();
        Metrics.ALL.forEach(spec -> promised.addAll(spec.prometheusNames()));
        Set<String> exported = new TreeSet<>(scraped);
        exported.removeIf(name -> !name.startsWith("distill_"));

        assertThat(exported).isEqualTo(promised);
    }

    private static Set<String> seriesNames(String exposition) {
        Set<String> names = new TreeSet<>();
        exposition.lines().filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .forEach(l -> names.add(l.split("[{ ]", 2)[0]));
        return names;
    }
}
