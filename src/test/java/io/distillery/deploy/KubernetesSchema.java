package io.distillery.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubernetes.client.openapi.models.V1ConfigMap;
import io.kubernetes.client.openapi.models.V1Deployment;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1LabelSelector;
import io.kubernetes.client.openapi.models.V1Namespace;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodDisruptionBudget;
import io.kubernetes.client.openapi.models.V1Secret;
import io.kubernetes.client.openapi.models.V1Service;
import io.kubernetes.client.openapi.models.V1ServiceAccount;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Offline schema validation of rendered manifests.
 *
 * <p>Built-in kinds go through the models of the official Kubernetes Java client
 * ({@code io.kubernetes:client-java-api}, generated from the Kubernetes OpenAPI schema): their
 * {@code fromJson} rejects a field the schema does not define, a missing required field and a value
 * of the wrong JSON type, at every level of the object.
 *
 * <p>The two Prometheus Operator kinds (ServiceMonitor, PrometheusRule) have no model there. They get a
 * narrower check: their metadata and label selector through the same models, and every other field
 * against the subset of the monitoring.coreos.com/v1 CRD schema written out below (unknown fields and
 * wrong types fail; fields outside the subset fail too, so using a new one means adding it here after
 * reading the CRD).
 */
final class KubernetesSchema {
    @FunctionalInterface
    private interface Model {
        void parse(String json) throws IOException;
    }

    private static final Map<String, Model> BUILT_IN = Map.of(
        "v1/ConfigMap", V1ConfigMap::fromJson,
        "v1/Secret", V1Secret::fromJson,
        "v1/Service", V1Service::fromJson,
        "v1/ServiceAccount", V1ServiceAccount::fromJson,
        "v1/Namespace", V1Namespace::fromJson,
        "apps/v1/Deployment", V1Deployment::fromJson,
        "batch/v1/Job", V1Job::fromJson,
        "policy/v1/PodDisruptionBudget", V1PodDisruptionBudget::fromJson);

    // The subset of the monitoring.coreos.com/v1 CRDs these manifests may use. "string", "boolean",
    // "strings" (list of string) and "map" (string to string) are leaves; "selector" is a LabelSelector.
    private static final Map<String, Object> RELABEL = Map.of("sourceLabels", "strings",
        "targetLabel", "string", "action", "string", "regex", "string", "replacement", "string",
        "separator", "string");
    private static final Map<String, Object> SERVICE_MONITOR_SPEC = Map.of(
        "selector", "selector",
        "jobLabel", "string",
        "namespaceSelector", Map.of("any", "boolean", "matchNames", "strings"),
        "endpoints", List.of(Map.of("port", "string", "path", "string", "interval", "string",
            "scrapeTimeout", "string", "scheme", "string", "honorLabels", "boolean",
            "relabelings", List.of(RELABEL), "metricRelabelings", List.of(RELABEL))));
    private static final Map<String, Object> PROMETHEUS_RULE_SPEC = Map.of(
        "groups", List.of(Map.of("name", "string", "interval", "string",
            "rules", List.of(Map.of("alert", "string", "record", "string", "expr", "string",
                "for", "string", "keep_firing_for", "string", "labels", "map", "annotations", "map")))));
    private static final Map<String, Map<String, Object>> CUSTOM = Map.of(
        "monitoring.coreos.com/v1/ServiceMonitor", SERVICE_MONITOR_SPEC,
        "monitoring.coreos.com/v1/PrometheusRule", PROMETHEUS_RULE_SPEC);

    private KubernetesSchema() {
    }

    /** The problems found in one object; empty when it is valid. */
    static List<String> problems(JsonNode object) {
        String type = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
        String where = RenderedManifests.describe(object) + ": ";
        List<String> problems = new ArrayList<>();
        Model model = BUILT_IN.get(type);
        Map<String, Object> crdSpec = CUSTOM.get(type);
        try {
            if (model != null) {
                model.parse(object.toString());
            } else if (crdSpec != null) {
                checkFields(object, Map.of("apiVersion", "string", "kind", "string", "metadata", "metadata",
                    "spec", crdSpec), "", problems);
                object.path("spec").path("groups").forEach(g -> g.path("rules")
                    .forEach(r -> requireOne(r, "alert", "record", problems)));
            } else {
                problems.add("no schema known for " + type + "; add its model to KubernetesSchema");
            }
        } catch (IOException | RuntimeException e) {
            String message = String.valueOf(e.getMessage());
            problems.add(message.length() > 300 ? message.substring(0, 300) + "..." : message);
        }
        return problems.stream().map(p -> where + p).toList();
    }

    @SuppressWarnings("unchecked")
    private static void checkFields(JsonNode node, Object shape, String path, List<String> problems)
            throws IOException {
        if (shape instanceof Map<?, ?> fields) {
            if (!node.isObject()) {
                problems.add(path + " must be an object");
                return;
            }
            for (Map.Entry<String, JsonNode> field : node.properties()) {
                Object child = ((Map<String, Object>) fields).get(field.getKey());
                if (child == null) {
                    problems.add("unknown field " + path + "." + field.getKey());
                } else {
                    checkFields(field.getValue(), child, path + "." + field.getKey(), problems);
                }
            }
        } else if (shape instanceof List<?> items) {
            if (!node.isArray()) {
                problems.add(path + " must be a list");
                return;
            }
            for (int i = 0; i < node.size(); i++) {
                checkFields(node.get(i), items.get(0), path + "[" + i + "]", problems);
            }
        } else {
            checkLeaf(node, (String) shape, path, problems);
        }
    }

    private static void checkLeaf(JsonNode node, String type, String path, List<String> problems)
            throws IOException {
        boolean ok = switch (type) {
            case "string" -> node.isTextual();
            case "boolean" -> node.isBoolean();
            case "strings" -> node.isArray() && allText(node);
            case "map" -> node.isObject() && allText(node);
            case "metadata" -> V1ObjectMeta.fromJson(node.toString()) != null;
            case "selector" -> V1LabelSelector.fromJson(node.toString()) != null;
            default -> throw new IllegalStateException("unknown leaf type " + type);
        };
        if (!ok) {
            problems.add(path + " must be a " + type + ", was " + node);
        }
    }

    private static boolean allText(JsonNode node) {
        for (JsonNode v : node) {
            if (!v.isTextual()) {
                return false;
            }
        }
        return true;
    }

    private static void requireOne(JsonNode rule, String a, String b, List<String> problems) {
        if (rule.has(a) == rule.has(b) || !rule.has("expr")) {
            problems.add("a rule needs expr and exactly one of " + a + " or " + b + ": " + rule);
        }
    }
}
