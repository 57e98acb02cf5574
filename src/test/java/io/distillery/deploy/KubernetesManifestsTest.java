package io.distillery.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.distillery.config.Config;
import io.distillery.config.ConfigKeys;
import io.distillery.config.TeacherSettings;
import io.distillery.teacher.Emitter;
import io.distillery.topics.Topics;
import io.distillery.testing.ExternalTool;
import io.kubernetes.client.custom.Quantity;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Renders k8s/ with {@code kubectl kustomize} (kubectl must be installed) and checks every object
 * against the Kubernetes API schema (see {@link KubernetesSchema}), then against the service's own
 * contract: subcommands and flags of the CLI, ports and probe paths, registered config keys, memory
 * limits that fit the JVM flags of deploy/jvm.options, and the non-root read-only pod shape.
 */
class KubernetesManifestsTest {
    // The CLI contract of io.distillery.app.Main: subcommands, and the flags each may take.
    private static final Set<String> SUBCOMMANDS = Set.of("demo", "teacher", "student", "monitor", "serve",
        "produce", "evaluate", "topics", "broker");
    private static final Set<String> COMMON_VALUE_FLAGS = Set.of("--bootstrap-servers", "--config", "--set");
    private static final Map<String, Set<String>> ROLE_FLAGS = Map.of("teacher", Set.of("--only"),
        "topics", Set.of("--create", "--check"));
    private static final Set<String> ROLES = Set.of("teacher", "student", "monitor", "serve");
    private static final int METRICS_PORT = 9400;
    private static final int SERVE_PORT = 8080;
    private static final long HEADROOM_BYTES = 256L << 20;
    private static final String TRAINER = "distillery-teacher-trainer";
    private static final String EMITTERS = "distillery-teacher-emitter";

    static Stream<String> kustomizations() {
        return Stream.of("k8s/base", "k8s/overlays/local", "k8s/overlays/production");
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldValidateEveryObjectAgainstTheKubernetesSchema(String kustomization) {
        RenderedManifests m = RenderedManifests.of(kustomization);
        assertThat(KubernetesSchema.problems(m.objects)).isEmpty();
        assertThat(m.ofKind("Deployment")).extracting(d -> d.path("metadata").path("name").asText())
            .containsExactlyInAnyOrder(TRAINER, "distillery-student", "distillery-monitor", "distillery-serve");
        assertThat(m.ofKind("StatefulSet")).extracting(d -> d.path("metadata").path("name").asText())
            .containsExactly(EMITTERS);
    }

    @Test
    void shouldRejectMisspelledOrMissingFields() {
        JsonNode deployment = RenderedManifests.of("k8s/base").named("Deployment", "distillery-serve");
        String json = deployment.toString();
        assertThat(KubernetesSchema.problems(parse(json.replace("\"readinessProbe\"", "\"readynessProbe\""))))
            .singleElement().asString().contains("readynessProbe");
        assertThat(KubernetesSchema.problems(parse(json.replace("\"containerPort\":8080", "\"containerPort\":\"x\""))))
            .isNotEmpty();
        // Custom resources, in one run of the validator: each broken copy under a name of its own.
        String monitor = RenderedManifests.of("k8s/base").named("ServiceMonitor", "distillery").toString();
        String scaled = RenderedManifests.of("k8s/overlays/production").named("ScaledObject", EMITTERS).toString();
        List<String> problems = KubernetesSchema.problems(List.of(
            parse(monitor.replace("\"honorLabels\"", "\"honourLabels\"")),
            renamed(scaled.replace("\"minReplicaCount\":1", "\"minReplicaCount\":\"1\""), "bad-min"),
            renamed(scaled.replace("\"authenticationRef\"", "\"authRef\""), "bad-auth")));
        assertThat(problems).filteredOn(p -> p.startsWith("ServiceMonitor distillery:"))
            .singleElement().asString().contains("honourLabels");
        assertThat(problems).filteredOn(p -> p.startsWith("ScaledObject bad-min:"))
            .isNotEmpty().anySatisfy(p -> assertThat(p).contains("minReplicaCount"));
        assertThat(problems).filteredOn(p -> p.startsWith("ScaledObject bad-auth:"))
            .isNotEmpty().allSatisfy(p -> assertThat(p).contains("authRef"));
        String hpa = RenderedManifests.of("k8s/overlays/production").named("HorizontalPodAutoscaler",
            "distillery-serve").toString();
        assertThat(KubernetesSchema.problems(parse(hpa.replace("\"averageUtilization\"", "\"averageUtilisation\""))))
            .singleElement().asString().contains("averageUtilisation");
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldRunOnlyRealSubcommandsAndFlags(String kustomization) {
        for (JsonNode w : RenderedManifests.of(kustomization).workloads()) {
            for (JsonNode c : RenderedManifests.podSpec(w).path("containers")) {
                assertThat(c.has("command")).as("%s overrides the image entrypoint", describe(w)).isFalse();
                List<String> args = texts(c.path("args"));
                assertThat(args).as("args of %s", describe(w)).isNotEmpty();
                String sub = args.get(0);
                assertThat(SUBCOMMANDS).as("subcommand of %s", describe(w)).contains(sub);
                checkFlags(describe(w), sub, args.subList(1, args.size()));
            }
        }
        JsonNode job = RenderedManifests.of(kustomization).named("Job", "distillery-topics");
        assertThat(texts(RenderedManifests.podSpec(job).path("containers").get(0).path("args")))
            .containsExactly("topics", "--create");
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldExposeTheRealPortsAndProbeTheRealEndpoints(String kustomization) {
        RenderedManifests m = RenderedManifests.of(kustomization);
        for (JsonNode d : m.services()) {
            JsonNode c = RenderedManifests.podSpec(d).path("containers").get(0);
            String role = texts(c.path("args")).get(0);
            assertThat(ROLES).as("role of %s", describe(d)).contains(role);
            boolean serve = role.equals("serve");
            Map<String, Integer> ports = new java.util.TreeMap<>();
            c.path("ports").forEach(p -> ports.put(p.path("name").asText(), p.path("containerPort").asInt()));
            assertThat(ports).as("ports of %s", describe(d)).isEqualTo(serve
                ? Map.of("metrics", METRICS_PORT, "http", SERVE_PORT) : Map.of("metrics", METRICS_PORT));
            assertThat(probe(c, "livenessProbe", ports)).as("liveness of %s", describe(d))
                .isEqualTo(serve ? "8080/v2/health/live" : "9400/health");
            assertThat(probe(c, "readinessProbe", ports)).as("readiness of %s", describe(d))
                .isEqualTo(serve ? "8080/v2/health/ready" : "9400/health");
            if (c.has("startupProbe")) {
                assertThat(probe(c, "startupProbe", ports)).isEqualTo("9400/health");
            }
        }
        JsonNode service = m.named("Service", "distillery-serve");
        assertThat(service.path("spec").path("ports").get(0).path("targetPort").asText()).isEqualTo("http");
        assertThat(service.path("spec").path("selector").path("app.kubernetes.io/component").asText())
            .isEqualTo("serve");
        JsonNode metrics = m.named("Service", "distillery-metrics");
        assertThat(metrics.path("spec").path("ports").get(0).path("port").asInt()).isEqualTo(METRICS_PORT);
        JsonNode monitor = m.named("ServiceMonitor", "distillery");
        assertThat(monitor.path("spec").path("endpoints").get(0).path("path").asText()).isEqualTo("/metrics");
        assertThat(monitor.path("spec").path("endpoints").get(0).path("port").asText()).isEqualTo("metrics");
        monitor.path("spec").path("selector").path("matchLabels").properties().forEach(e ->
            assertThat(metrics.path("metadata").path("labels").path(e.getKey()).asText())
                .as("ServiceMonitor selects the metrics Service by %s", e.getKey()).isEqualTo(e.getValue().asText()));
        assertThat(m.named("PodDisruptionBudget", "distillery-serve").path("spec").path("selector")
            .path("matchLabels").path("app.kubernetes.io/component").asText()).isEqualTo("serve");
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldUseOnlyRegisteredConfigKeys(String kustomization) {
        RenderedManifests m = RenderedManifests.of(kustomization);
        List<String> envNames = new ArrayList<>();
        for (JsonNode cm : m.ofKind("ConfigMap")) {
            cm.path("data").fieldNames().forEachRemaining(envNames::add);
        }
        for (JsonNode w : m.workloads()) {
            for (JsonNode c : RenderedManifests.podSpec(w).path("containers")) {
                c.path("env").forEach(e -> envNames.add(e.path("name").asText()));
                c.path("envFrom").forEach(e -> assertThat(e.has("configMapRef"))
                    .as("%s takes env only from the ConfigMap", describe(w)).isTrue());
            }
        }
        assertThat(envNames).isNotEmpty().allSatisfy(name -> {
            assertThat(name).as("only DISTILL_* variables (JVM flags come from deploy/jvm.options)")
                .startsWith(Config.ENV_PREFIX);
            String key = keyOf(name);
            assertThat(key.startsWith(Config.KAFKA_PREFIX) || ConfigKeys.isKnown(key))
                .as("%s sets %s, which is neither registered in ConfigKeys nor under kafka.", name, key)
                .isTrue();
        });
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldGiveTheSigningKeyOnlyToTheWritersAndThePublicKeysToEveryRole(String kustomization) {
        RenderedManifests m = RenderedManifests.of(kustomization);
        List<String> signers = new ArrayList<>();
        for (JsonNode d : m.services()) {
            JsonNode container = RenderedManifests.podSpec(d).path("containers").get(0);
            JsonNode signing = find(container.path("env"), "DISTILL_SNAPSHOT_SIGNING_KEY");
            if (signing != null) {
                signers.add(d.path("metadata").path("name").asText());
                assertThat(signing.path("valueFrom").path("secretKeyRef").path("key").asText())
                    .isEqualTo("snapshot-signing-key");
            }
            List<String> configMaps = new ArrayList<>();
            container.path("envFrom").forEach(e -> configMaps.add(e.path("configMapRef").path("name").asText()));
            assertThat(configMaps).as("%s verifies snapshots with the public keys", describe(d))
                .anyMatch(n -> n.startsWith("distillery-verify-keys"));
        }
        // a reader that could sign could make models: only the trainer and the student hold the private key
        assertThat(signers).containsExactlyInAnyOrder("distillery-teacher-trainer", "distillery-student");
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldGiveEveryContainerMoreMemoryThanTheJvmMayTake(String kustomization) throws IOException {
        Map<String, Long> jvm = jvmSizes();
        long needed = Math.max(jvm.get("-Xmx"), jvm.get("maxphysicalbytes")) + HEADROOM_BYTES;
        for (JsonNode w : RenderedManifests.of(kustomization).workloads()) {
            JsonNode res = RenderedManifests.podSpec(w).path("containers").get(0).path("resources");
            long limit = bytes(res.path("limits").path("memory").asText());
            assertThat(limit).as("memory limit of %s vs deploy/jvm.options", describe(w)).isGreaterThanOrEqualTo(needed);
            assertThat(bytes(res.path("requests").path("memory").asText())).isLessThanOrEqualTo(limit);
            assertThat(res.path("limits").has("cpu")).as("cpu limit of %s", describe(w)).isTrue();
        }
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldRunNonRootOnAReadOnlyRootWithWritableTmp(String kustomization) {
        for (JsonNode w : RenderedManifests.of(kustomization).workloads()) {
            JsonNode pod = RenderedManifests.podSpec(w);
            assertThat(pod.path("securityContext").path("runAsNonRoot").asBoolean()).as(describe(w)).isTrue();
            assertThat(pod.path("automountServiceAccountToken").asBoolean(true)).isFalse();
            Set<String> emptyDirs = new HashSet<>();
            pod.path("volumes").forEach(v -> {
                if (v.has("emptyDir")) {
                    emptyDirs.add(v.path("name").asText());
                }
            });
            JsonNode c = pod.path("containers").get(0);
            JsonNode sc = c.path("securityContext");
            assertThat(sc.path("readOnlyRootFilesystem").asBoolean()).as(describe(w)).isTrue();
            assertThat(sc.path("allowPrivilegeEscalation").asBoolean(true)).as(describe(w)).isFalse();
            assertThat(texts(sc.path("capabilities").path("drop"))).contains("ALL");
            Map<String, String> mounts = new java.util.HashMap<>();
            c.path("volumeMounts").forEach(v -> mounts.put(v.path("mountPath").asText(), v.path("name").asText()));
            assertThat(emptyDirs).as("/tmp of %s (JavaCPP natives) is an emptyDir", describe(w))
                .contains(mounts.get("/tmp"));
            JsonNode stateDir = find(c.path("env"), "DISTILL_KAFKA_STATE_DIR");
            if (stateDir != null) {
                assertThat(emptyDirs).as("Kafka Streams state dir of %s is an emptyDir", describe(w))
                    .contains(mounts.get(stateDir.path("value").asText()));
            }
        }
        JsonNode monitor = RenderedManifests.of(kustomization).named("Deployment", "distillery-monitor");
        assertThat(find(RenderedManifests.podSpec(monitor).path("containers").get(0).path("env"),
            "DISTILL_KAFKA_STATE_DIR")).as("monitor state dir").isNotNull();
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldNeverRunTwoTrainers(String kustomization) {
        RenderedManifests m = RenderedManifests.of(kustomization);
        List<JsonNode> trainers = m.services().stream().filter(w -> runsTeacherPart(w, "trainer")).toList();
        assertThat(trainers).as("workloads that run a teacher trainer").extracting(RenderedManifests::describe)
            .containsExactly("Deployment " + TRAINER);
        JsonNode trainer = trainers.get(0);
        assertThat(trainer.path("spec").path("replicas").asInt()).as("trainer replicas").isEqualTo(1);
        assertThat(trainer.path("spec").path("strategy").path("type").asText())
            .as("a rollout deletes the old trainer before it starts the new one").isEqualTo("Recreate");
        assertThat(trainer.path("spec").path("strategy").has("rollingUpdate")).isFalse();
        for (String autoscaler : List.of("HorizontalPodAutoscaler", "ScaledObject")) {
            m.ofKind(autoscaler).forEach(a -> assertThat(a.path("spec").path("scaleTargetRef").path("name").asText())
                .as("%s scales the trainer", describe(a)).isNotEqualTo(TRAINER));
        }
        JsonNode selector = trainer.path("spec").path("selector").path("matchLabels");
        for (JsonNode other : m.workloads()) {
            if (other != trainer) {
                JsonNode labels = other.path("spec").path("template").path("metadata").path("labels");
                assertThat(matches(selector, labels)).as("the trainer's selector matches the pods of %s",
                    describe(other)).isFalse();
            }
        }
    }

    @ParameterizedTest
    @MethodSource("kustomizations")
    void shouldGiveEveryEmitterPodItsOwnStableTransactionalId(String kustomization) {
        RenderedManifests m = RenderedManifests.of(kustomization);
        List<JsonNode> emitters = m.services().stream().filter(w -> runsTeacherPart(w, "emitter")).toList();
        assertThat(emitters).as("workloads that run teacher emitters").extracting(RenderedManifests::describe)
            .containsExactly("StatefulSet " + EMITTERS);
        JsonNode c = RenderedManifests.podSpec(emitters.get(0)).path("containers").get(0);
        assertThat(texts(c.path("args"))).as("emitter args").containsExactly("teacher", "--only", "emitter");
        String envName = Config.ENV_PREFIX + TeacherSettings.EMITTER_ID.name().toUpperCase(Locale.ROOT)
            .replace('.', '_');
        JsonNode id = find(c.path("env"), envName);
        assertThat(id).as("%s set on the emitter container", envName).isNotNull();
        assertThat(id.path("valueFrom").path("fieldRef").path("fieldPath").asText())
            .as("the emitter id is the pod's name (StatefulSet: stable and unique)").isEqualTo("metadata.name");
        assertThat(config(m).has(envName)).as("the ConfigMap sets %s for every pod", envName).isFalse();
    }

    @Test
    void shouldScaleEmittersOnLagAndServeOnCpuInProduction() {
        RenderedManifests prod = RenderedManifests.of("k8s/overlays/production");
        JsonNode scaled = prod.named("ScaledObject", EMITTERS);
        JsonNode spec = scaled.path("spec");
        JsonNode target = prod.target(spec.path("scaleTargetRef"));
        assertThat(target).as("the ScaledObject's target exists").isNotNull();
        assertThat(RenderedManifests.describe(target)).isEqualTo("StatefulSet " + EMITTERS);
        assertThat(spec.path("minReplicaCount").asInt()).isEqualTo(1);
        assertThat(spec.path("maxReplicaCount").asInt()).as("max emitters = partitions of the input topics")
            .isEqualTo(config(prod).path("DISTILL_TOPICS_PARTITIONS").asInt());
        JsonNode container = RenderedManifests.podSpec(target).path("containers").get(0);
        assertThat(spec.path("scaleTargetRef").path("envSourceContainerName").asText())
            .isEqualTo(container.path("name").asText());
        Set<String> topics = new HashSet<>();
        for (JsonNode trigger : spec.path("triggers")) {
            assertThat(trigger.path("type").asText()).isEqualTo("kafka");
            JsonNode md = trigger.path("metadata");
            assertThat(md.path("consumerGroup").asText()).isEqualTo(Emitter.GROUP);
            topics.add(md.path("topic").asText());
            assertThat(config(prod).has(md.path("bootstrapServersFromEnv").asText()))
                .as("bootstrapServersFromEnv names a variable of the emitter's ConfigMap").isTrue();
            prod.named("TriggerAuthentication", trigger.path("authenticationRef").path("name").asText());
        }
        assertThat(topics).containsExactlyInAnyOrder(Topics.LABELED.name(), Topics.UNLABELED.name());

        JsonNode hpa = prod.named("HorizontalPodAutoscaler", "distillery-serve").path("spec");
        JsonNode serve = prod.target(hpa.path("scaleTargetRef"));
        assertThat(serve).as("the HPA's target exists").isNotNull();
        assertThat(RenderedManifests.describe(serve)).isEqualTo("Deployment distillery-serve");
        assertThat(hpa.path("minReplicas").asInt()).isGreaterThan(2).isLessThanOrEqualTo(hpa.path("maxReplicas").asInt());
        assertThat(hpa.path("metrics")).singleElement().satisfies(metric -> {
            assertThat(metric.path("resource").path("name").asText()).isEqualTo("cpu");
            assertThat(metric.path("resource").path("target").path("type").asText()).isEqualTo("Utilization");
        });
        assertThat(RenderedManifests.podSpec(serve).path("containers").get(0).path("resources").path("requests")
            .has("cpu")).as("CPU utilization is measured against the request").isTrue();
        assertThat(RenderedManifests.of("k8s/overlays/local").ofKind("ScaledObject")).isEmpty();
    }

    @Test
    void shouldKeepThePrometheusRuleIdenticalToAlertsYml() throws IOException {
        JsonNode alerts = RenderedManifests.YAML.readTree(
            ExternalTool.projectRoot().resolve("deploy/prometheus/alerts.yml").toFile());
        JsonNode rule = RenderedManifests.of("k8s/base").named("PrometheusRule", "distillery");
        assertThat(rule.path("spec")).isEqualTo(alerts);
    }

    @Test
    void shouldShrinkLocalAndGrowProduction() {
        RenderedManifests local = RenderedManifests.of("k8s/overlays/local");
        RenderedManifests prod = RenderedManifests.of("k8s/overlays/production");
        local.services().forEach(d -> assertThat(d.path("spec").path("replicas").asInt()).isEqualTo(1));
        assertThat(config(local).path("DISTILL_KAFKA_BOOTSTRAP_SERVERS").asText()).isEqualTo("kafka:9092");
        assertThat(local.ofKind("Secret")).as("local overlay carries a development signing key").hasSize(1);

        assertThat(prod.named("Deployment", "distillery-serve").path("spec").path("replicas").asInt())
            .isGreaterThan(2);
        assertThat(config(prod).path("DISTILL_TOPICS_PARTITIONS").asInt())
            .isGreaterThan(config(local).path("DISTILL_TOPICS_PARTITIONS").asInt());
        assertThat(config(prod).path("DISTILL_KAFKA_SECURITY_PROTOCOL").asText()).isEqualTo("SASL_SSL");
        assertThat(prod.ofKind("Secret")).as("production Secrets are created out of band").isEmpty();
        prod.workloads().forEach(w -> assertThat(find(RenderedManifests.podSpec(w).path("containers").get(0)
            .path("env"), "DISTILL_KAFKA_SASL_JAAS_CONFIG")).as("SASL login of %s", describe(w)).isNotNull());
    }

    private static void checkFlags(String where, String sub, List<String> flags) {
        Set<String> roleFlags = ROLE_FLAGS.getOrDefault(sub, Set.of());
        for (Iterator<String> it = flags.iterator(); it.hasNext(); ) {
            String flag = it.next();
            if (COMMON_VALUE_FLAGS.contains(flag) || flag.equals("--only")) {
                assertThat(it.hasNext()).as("%s: %s needs a value", where, flag).isTrue();
                String value = it.next();
                if (flag.equals("--only")) {
                    assertThat(roleFlags).as("%s: --only is for teacher", where).contains(flag);
                    assertThat(value).isIn("trainer", "emitter");
                } else if (flag.equals("--set")) {
                    String key = value.substring(0, Math.max(0, value.indexOf('=')));
                    assertThat(key.startsWith(Config.KAFKA_PREFIX) || ConfigKeys.isKnown(key))
                        .as("%s: --set %s", where, value).isTrue();
                }
            } else {
                assertThat(roleFlags).as("%s: flag %s of %s", where, flag, sub).contains(flag);
            }
        }
    }

    /** Whether a workload runs the teacher with this part ({@code --only} absent: both parts). */
    private static boolean runsTeacherPart(JsonNode workload, String part) {
        List<String> args = texts(RenderedManifests.podSpec(workload).path("containers").get(0).path("args"));
        if (args.isEmpty() || !args.get(0).equals("teacher")) {
            return false;
        }
        int only = args.indexOf("--only");
        return only < 0 || args.get(only + 1).equals(part);
    }

    private static boolean matches(JsonNode matchLabels, JsonNode labels) {
        for (Map.Entry<String, JsonNode> e : matchLabels.properties()) {
            if (!e.getValue().asText().equals(labels.path(e.getKey()).asText(null))) {
                return false;
            }
        }
        return true;
    }

    private static String probe(JsonNode container, String kind, Map<String, Integer> ports) {
        JsonNode get = container.path(kind).path("httpGet");
        assertThat(get.isMissingNode()).as("%s of container %s is an httpGet", kind,
            container.path("name").asText()).isFalse();
        JsonNode port = get.path("port");
        int number = port.isInt() ? port.asInt() : ports.getOrDefault(port.asText(), -1);
        return number + get.path("path").asText();
    }

    private static JsonNode config(RenderedManifests m) {
        return m.ofKind("ConfigMap").get(0).path("data");
    }

    private static Map<String, Long> jvmSizes() throws IOException {
        Map<String, Long> out = new java.util.HashMap<>();
        for (String line : Files.readAllLines(ExternalTool.projectRoot().resolve("deploy/jvm.options"))) {
            String flag = line.trim();
            if (flag.startsWith("-Xmx")) {
                out.put("-Xmx", bytes(flag.substring(4)));
            } else if (flag.startsWith("-Dorg.bytedeco.javacpp.maxphysicalbytes=")) {
                out.put("maxphysicalbytes", bytes(flag.substring(flag.indexOf('=') + 1)));
            }
        }
        assertThat(out).as("deploy/jvm.options sets -Xmx and JavaCPP maxphysicalbytes")
            .containsKeys("-Xmx", "maxphysicalbytes");
        return out;
    }

    /** JVM sizes (1536m, 3g) and Kubernetes quantities (3584Mi) in bytes. */
    static long bytes(String size) {
        String s = size.trim();
        char last = Character.toLowerCase(s.charAt(s.length() - 1));
        int shift = switch (last) {
            case 'k' -> 10;
            case 'm' -> 20;
            case 'g' -> 30;
            default -> -1;
        };
        if (shift >= 0 && Character.isDigit(s.charAt(s.length() - 2))) {
            return Long.parseLong(s.substring(0, s.length() - 1)) << shift;
        }
        return new Quantity(s).getNumber().longValueExact();
    }

    private static String keyOf(String envName) {
        return envName.substring(Config.ENV_PREFIX.length()).toLowerCase(Locale.ROOT).replace('_', '.');
    }

    private static JsonNode find(JsonNode env, String name) {
        for (JsonNode e : env) {
            if (name.equals(e.path("name").asText())) {
                return e;
            }
        }
        return null;
    }

    private static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static String describe(JsonNode o) {
        return RenderedManifests.describe(o);
    }

    private static JsonNode renamed(String json, String name) {
        JsonNode o = parse(json);
        ((ObjectNode) o.path("metadata")).put("name", name);
        return o;
    }

    private static JsonNode parse(String json) {
        return RenderedManifests.parseAll(json).get(0);
    }
}
