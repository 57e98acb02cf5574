package io.distillery.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.distillery.config.Config;
import io.distillery.config.ConfigKeys;
import io.distillery.testing.ExternalTool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/**
 * deploy/docker-compose.yml runs the real subcommands with registered keys, within the memory the JVM
 * flags need, and Prometheus scrapes exactly its role services. (No Docker engine here: the file
 * itself is checked with {@code docker-compose config} by hand, see deploy/README.md.)
 */
class ComposeFileTest {
    private static final Set<String> ROLES = Set.of("teacher", "student", "monitor", "serve");
    private final Path root = ExternalTool.projectRoot();

    @Test
    void shouldRunEveryRoleWithRealSubcommandsAndRegisteredKeys() throws IOException {
        JsonNode services = compose().path("services");
        for (String role : ROLES) {
            JsonNode s = services.path(role);
            assertThat(s.path("command").get(0).asText()).as("command of %s", role).isEqualTo(role);
            assertThat(s.path("read_only").asBoolean()).as("%s has a read-only root", role).isTrue();
            assertThat(KubernetesManifestsTest.bytes(s.path("mem_limit").asText()))
                .as("mem_limit of %s vs deploy/jvm.options", role).isGreaterThanOrEqualTo((3L << 30) + (256L << 20));
        }
        assertThat(services.path("topics").path("command").toString()).isEqualTo("[\"topics\",\"--create\"]");
        services.properties().forEach(s -> s.getValue().path("environment").fieldNames().forEachRemaining(name -> {
            if (name.startsWith(Config.ENV_PREFIX)) {
                String key = name.substring(Config.ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
                assertThat(key.startsWith(Config.KAFKA_PREFIX) || ConfigKeys.isKnown(key))
                    .as("%s of service %s sets unregistered key %s", name, s.getKey(), key).isTrue();
            }
        }));
    }

    @Test
    void shouldScrapeEveryRoleServiceOnTheMetricsPort() throws IOException {
        JsonNode prometheus = RenderedManifests.YAML.readTree(root.resolve("deploy/prometheus/prometheus.yml").toFile());
        Set<String> targets = new TreeSet<>();
        for (JsonNode job : prometheus.path("scrape_configs")) {
            if (job.path("job_name").asText().equals("distillery")) {
                assertThat(job.path("honor_labels").asBoolean()).isTrue();
                job.path("static_configs").forEach(sc -> {
                    assertThat(sc.path("targets").get(0).asText())
                        .isEqualTo(sc.path("labels").path("role").asText() + ":9400");
                    targets.add(sc.path("labels").path("role").asText());
                });
            }
        }
        assertThat(targets).isEqualTo(new TreeSet<>(ROLES));
    }

    @Test
    void shouldMountTheProvisioningAndDashboardsThatExist() throws IOException {
        for (JsonNode volume : compose().path("services").path("grafana").path("volumes")) {
            String source = volume.asText().split(":")[0];
            if (source.startsWith(".")) {
                assertThat(Files.isDirectory(root.resolve("deploy").resolve(source).normalize()))
                    .as("grafana volume %s", source).isTrue();
            }
        }
    }

    /** Read with SnakeYAML itself, which resolves the {@code <<: *role} merge keys Jackson leaves alone. */
    private JsonNode compose() throws IOException {
        Object tree = new org.yaml.snakeyaml.Yaml().load(Files.readString(root.resolve("deploy/docker-compose.yml")));
        return RenderedManifests.YAML.valueToTree(tree);
    }
}
