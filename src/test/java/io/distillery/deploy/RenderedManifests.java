package io.distillery.deploy;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.distillery.testing.ExternalTool;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** The objects {@code kubectl kustomize} renders for one kustomization of k8s/, rendered once per run. */
final class RenderedManifests {
    static final YAMLMapper YAML = new YAMLMapper();
    private static final Map<String, RenderedManifests> CACHE = new ConcurrentHashMap<>();

    final String kustomization;
    final List<JsonNode> objects;

    private RenderedManifests(String kustomization, List<JsonNode> objects) {
        this.kustomization = kustomization;
        this.objects = List.copyOf(objects);
    }

    /** Renders e.g. {@code k8s/overlays/local}, relative to the project root. */
    static RenderedManifests of(String kustomization) {
        return CACHE.computeIfAbsent(kustomization, k -> {
            String out = ExternalTool.kubectl().runOk(ExternalTool.projectRoot(), "kustomize", k);
            return new RenderedManifests(k, parseAll(out));
        });
    }

    static List<JsonNode> parseAll(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        try (MappingIterator<JsonNode> it = YAML.readerFor(JsonNode.class).readValues(yaml)) {
            while (it.hasNext()) {
                JsonNode doc = it.next();
                if (doc != null && !doc.isNull() && !doc.isEmpty()) {
                    docs.add(doc);
                }
            }
        } catch (IOException e) {
            fail("cannot parse YAML: " + e.getMessage());
        }
        return docs;
    }

    List<JsonNode> ofKind(String kind) {
        return objects.stream().filter(o -> kind.equals(o.path("kind").asText())).toList();
    }

    JsonNode named(String kind, String name) {
        return ofKind(kind).stream().filter(o -> name.equals(o.path("metadata").path("name").asText()))
            .findFirst().orElseGet(() -> fail(kustomization + " renders no " + kind + " named " + name));
    }

    /** Deployments, StatefulSets and Jobs: everything that runs the image. */
    List<JsonNode> workloads() {
        List<JsonNode> w = new ArrayList<>(services());
        w.addAll(ofKind("Job"));
        return w;
    }

    /** Deployments and StatefulSets: the long-running roles. */
    List<JsonNode> services() {
        List<JsonNode> w = new ArrayList<>(ofKind("Deployment"));
        w.addAll(ofKind("StatefulSet"));
        return w;
    }

    /** The object named by a {@code scaleTargetRef} (kind and name), or {@code null}. */
    JsonNode target(JsonNode scaleTargetRef) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(scaleTargetRef.path("kind").asText())
                && o.path("metadata").path("name").asText().equals(scaleTargetRef.path("name").asText()))
            .findFirst().orElse(null);
    }

    static String describe(JsonNode object) {
        return object.path("kind").asText() + " " + object.path("metadata").path("name").asText();
    }

    static JsonNode podSpec(JsonNode workload) {
        return workload.path("spec").path("template").path("spec");
    }
}
