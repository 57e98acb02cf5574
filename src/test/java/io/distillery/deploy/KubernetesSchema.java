package io.distillery.deploy;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.distillery.testing.ExternalTool;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import io.kubernetes.client.openapi.models.V1StatefulSet;
import io.kubernetes.client.openapi.models.V2HorizontalPodAutoscaler;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Offline schema validation of rendered manifests.
 *
 * <p>Built-in kinds go through the models of the official Kubernetes Java client
 * ({@code io.kubernetes:client-java-api}, generated from the Kubernetes OpenAPI schema): their
 * {@code fromJson} rejects a field the schema does not define, a missing required field and a value
 * of the wrong JSON type, at every level of the object.
 *
 * <p>Custom resources (KEDA's ScaledObject and TriggerAuthentication, the Prometheus Operator's
 * ServiceMonitor and PrometheusRule) go through their published models on npm
 * ({@code @kubernetes-models/keda}, {@code @kubernetes-models/prometheus-operator}), generated from the
 * projects' own API types: {@code src/test/node/validate.mjs} runs each model's JSON-schema validator and
 * the TypeScript compiler's excess-property check on the model's interface (the published schemas do not
 * forbid unknown fields). run-tests installs Node.js and those packages ({@code npm ci} in src/test/node).
 */
final class KubernetesSchema {
    @FunctionalInterface
    private interface Model {
        void parse(String json) throws IOException;
    }

    private static final Map<String, Model> BUILT_IN = Map.ofEntries(
        Map.entry("v1/ConfigMap", V1ConfigMap::fromJson),
        Map.entry("v1/Secret", V1Secret::fromJson),
        Map.entry("v1/Service", V1Service::fromJson),
        Map.entry("v1/ServiceAccount", V1ServiceAccount::fromJson),
        Map.entry("v1/Namespace", V1Namespace::fromJson),
        Map.entry("apps/v1/Deployment", V1Deployment::fromJson),
        Map.entry("apps/v1/StatefulSet", V1StatefulSet::fromJson),
        Map.entry("batch/v1/Job", V1Job::fromJson),
        Map.entry("policy/v1/PodDisruptionBudget", V1PodDisruptionBudget::fromJson),
        Map.entry("autoscaling/v2/HorizontalPodAutoscaler", V2HorizontalPodAutoscaler::fromJson));
    private static final Set<String> CUSTOM_GROUPS = Set.of("keda.sh", "monitoring.coreos.com");
    private static final Path NODE_DIR = Path.of("src/test/node");
    private static final ExternalTool NODE = new ExternalTool("node",
        "apt-get install -y nodejs npm, then npm ci in src/test/node (run-tests does both)");

    private KubernetesSchema() {
    }

    /** The problems found in one object; empty when it is valid. */
    static List<String> problems(JsonNode object) {
        return problems(List.of(object));
    }

    /** The problems found in these objects; empty when all are valid. */
    static List<String> problems(List<JsonNode> objects) {
        List<String> problems = new ArrayList<>();
        List<JsonNode> custom = new ArrayList<>();
        for (JsonNode object : objects) {
            String apiVersion = object.path("apiVersion").asText();
            String type = apiVersion + "/" + object.path("kind").asText();
            Model model = BUILT_IN.get(type);
            if (model != null) {
                try {
                    model.parse(object.toString());
                } catch (IOException | RuntimeException e) {
                    String message = String.valueOf(e.getMessage());
                    problems.add(RenderedManifests.describe(object) + ": "
                        + (message.length() > 300 ? message.substring(0, 300) + "..." : message));
                }
            } else if (CUSTOM_GROUPS.contains(apiVersion.substring(0, Math.max(0, apiVersion.indexOf('/'))))) {
                custom.add(object);
            } else {
                problems.add(RenderedManifests.describe(object) + ": no schema known for " + type
                    + "; add its model to KubernetesSchema");
            }
        }
        if (!custom.isEmpty()) {
            problems.addAll(customProblems(custom));
        }
        return problems;
    }

    private static List<String> customProblems(List<JsonNode> objects) {
        Path dir = ExternalTool.projectRoot().resolve(NODE_DIR);
        if (!Files.isDirectory(dir.resolve("node_modules/@kubernetes-models"))) {
            fail("the published models are not installed: run npm ci in " + dir + " (run-tests does)");
        }
        try {
            Path file = Files.createTempFile("custom-resources", ".json");
            try {
                Files.writeString(file, JsonNodeFactory.instance.arrayNode().addAll(objects).toString());
                ExternalTool.Result r = NODE.run(dir, "validate.mjs", file.toString());
                List<String> lines = r.output().lines().filter(l -> !l.isBlank()).toList();
                if (r.exitCode() != 0 && lines.isEmpty()) {
                    fail("node validate.mjs exited " + r.exitCode() + " without naming a problem");
                }
                return r.exitCode() == 0 ? List.of() : lines;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            return fail("cannot write the objects for validate.mjs: " + e.getMessage());
        }
    }
}
