package io.distillery.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert rules and the compose scrape config pass promtool's checks and the rules' unit tests; deploy/README.md
 * lists every alert.
 */
class PromtoolRulesTest {
    private final ExternalTool promtool = ExternalTool.promtool();
    private final Path dir = ExternalTool.projectRoot().resolve("deploy/prometheus");

    @Test
    void shouldPassPromtoolCheckRules() {
        assertThat(promtool.runOk(dir, "check", "rules", "alerts.yml")).contains("SUCCESS");
    }

    @Test
    void shouldPassEveryAlertUnitTest() {
        assertThat(promtool.runOk(dir, "test", "rules", "alerts_test.yml")).contains("SUCCESS");
    }

    @Test
    void shouldPassPromtoolCheckConfigOfTheComposeScrapeConfig() {
        assertThat(promtool.runOk(dir, "check", "config", "prometheus.yml")).contains("SUCCESS");
    }

    private Set<String> alerts() throws IOException {
        Set<String> alerts = new TreeSet<>();
        RenderedManifests.YAML.readTree(dir.resolve("alerts.yml").toFile()).path("groups")
            .forEach(g -> g.path("rules").forEach(r -> alerts.add(r.path("alert").asText())));
        return alerts;
    }

    @Test
    void shouldListEveryAlertInTheDeployReadme() throws IOException {
        String readme = Files.readString(ExternalTool.projectRoot().resolve("deploy/README.md"));
        assertThat(alerts()).allSatisfy(a -> assertThat(readme).as("deploy/README.md's alert table")
            .contains("| " + a + " |"));
    }

    @Test
    void shouldUnitTestEveryAlertFiringAndQuiet() throws IOException {
        Set<String> alerts = alerts();
        Set<String> firing = new TreeSet<>();
        Set<String> quiet = new TreeSet<>();
        for (JsonNode test : RenderedManifests.YAML.readTree(dir.resolve("alerts_test.yml").toFile()).path("tests")) {
            for (JsonNode check : test.path("alert_rule_test")) {
                String name = check.path("alertname").asText();
                (check.path("exp_alerts").isEmpty() ? quiet : firing).add(name);
            }
        }
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(7);
        assertThat(firing).as("alerts with a test where they fire").isEqualTo(alerts);
        assertThat(quiet).as("alerts with a test where they stay quiet").isEqualTo(alerts);
    }

    @Test
    void shouldParseEveryDashboardQuery(@TempDir Path tmp) throws IOException {
        // promtool has no query linter; each query becomes a recording rule, which it parses.
        List<String> exprs = PromQueries.dashboardExprs();
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (int i = 0; i < exprs.size(); i++) {
            rules.append("      - record: dashboard:query_").append(i).append("\n        expr: ")
                .append(RenderedManifests.YAML.writeValueAsString(PromQueries.withoutGrafanaVariables(exprs.get(i)))
                    .replaceFirst("^---\\s*", "").trim()).append('\n');
        }
        Files.writeString(tmp.resolve("dashboard-queries.yml"), rules);
        assertThat(promtool.runOk(tmp, "check", "rules", "dashboard-queries.yml"))
            .contains("SUCCESS: " + exprs.size() + " rules found");
    }
}
