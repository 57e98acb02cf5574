package io.distillery.deploy;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.distillery.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The PromQL of grafana/ and deploy/prometheus/, and the metric names it reads. */
final class PromQueries {
    static final Path DASHBOARD = Path.of("grafana/dashboards/distillery.json");
    static final Path ALERTS = Path.of("deploy/prometheus/alerts.yml");

    private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"");
    private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern LABEL_LIST = Pattern.compile(
        "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w.$])([a-zA-Z_:][\\w:]*)(\\s*\\()?");
    private static final Set<String> KEYWORDS = Set.of("and", "or", "unless", "bool", "offset", "by", "without",
        "on", "ignoring", "group_left", "group_right", "inf", "nan");

    private PromQueries() {
    }

    static JsonNode dashboard() {
        try {
            return new ObjectMapper().readTree(ExternalTool.projectRoot().resolve(DASHBOARD).toFile());
        } catch (IOException e) {
            return fail("cannot read " + DASHBOARD + ": " + e.getMessage());
        }
    }

    /** Every {@code expr} of the dashboard: panel targets and annotation queries. */
    static List<String> dashboardExprs() {
        List<String> out = new ArrayList<>();
        collect(dashboard(), out);
        return out;
    }

    static List<String> alertExprs() {
        List<String> out = new ArrayList<>();
        try {
            RenderedManifests.YAML.readTree(ExternalTool.projectRoot().resolve(ALERTS).toFile()).path("groups")
                .forEach(g -> g.path("rules").forEach(r -> out.add(r.path("expr").asText())));
        } catch (IOException e) {
            fail("cannot read " + ALERTS + ": " + e.getMessage());
        }
        return out;
    }

    /** Grafana's interval variables replaced by a fixed range, so promtool can parse the query. */
    static String withoutGrafanaVariables(String expr) {
        return expr.replace("$__rate_interval", "1m").replace("$__interval", "1m").replace("$__range", "1h");
    }

    /** The metric names an expression selects (not functions, keywords or label names). */
    static Set<String> metricNames(String expr) {
        String s = STRING.matcher(expr).replaceAll("\"\"");
        s = MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = LABEL_LIST.matcher(s).replaceAll(" ");
        Set<String> names = new TreeSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            boolean function = m.group(2) != null;
            if (!function && !KEYWORDS.contains(m.group(1).toLowerCase(java.util.Locale.ROOT))) {
                names.add(m.group(1));
            }
        }
        return names;
    }

    private static void collect(JsonNode node, List<String> out) {
        if (node.isObject()) {
            node.properties().forEach(e -> {
                if (e.getKey().equals("expr") && e.getValue().isTextual()) {
                    out.add(e.getValue().asText());
                } else {
                    collect(e.getValue(), out);
                }
            });
        } else if (node.isArray()) {
            node.forEach(n -> collect(n, out));
        }
    }
}
