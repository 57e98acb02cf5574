package io.distillery.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Creates the service's topics (idempotently) and checks existing ones against what the roles need:
 * partition count (at least the configured one), cleanup policy, retention and snapshot size limits.
 * The admin client is the caller's.
 */
public final class TopicAdmin {
    private static final long TIMEOUT_S = 60;

    /** Desired layout: each topic with its partition count and configs. */
    public record Layout(int partitions, short replicationFactor, long retentionMs, int snapshotMaxBytes) {
        int partitionsOf(TopicSpec t) {
            return t.partitions() > 0 ? t.partitions() : partitions;
        }
    }

    /** One row of the report: a topic, what was done or found, and the problems, empty when fine. */
    public record Row(String topic, int partitions, String cleanup, String action, List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    private final Admin admin;
    private final Layout layout;

    public TopicAdmin(Admin admin, Layout layout) {
        this.admin = admin;
        this.layout = layout;
    }

    /** Creates the missing topics, then checks all of them. */
    public List<Row> create(Collection<TopicSpec> topics) throws InterruptedException {
        Set<String> existing = call(admin.listTopics().names());
        List<NewTopic> missing = new ArrayList<>();
        for (TopicSpec t : topics) {
            if (!existing.contains(t.name())) {
                missing.add(new NewTopic(t.name(), layout.partitionsOf(t), layout.replicationFactor())
                    .configs(t.configs(layout.retentionMs(), layout.snapshotMaxBytes())));
            }
        }
        for (NewTopic n : missing) {
            try {
                call(admin.createTopics(List.of(n)).all());
            } catch (IllegalStateException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw e;
                }
            }
        }
        Set<String> created = new java.util.HashSet<>();
        missing.forEach(n -> created.add(n.name()));
        awaitVisible(created);
        List<Row> rows = new ArrayList<>();
        for (Row r : check(topics)) {
            rows.add(new Row(r.topic(), r.partitions(), r.cleanup(),
                created.contains(r.topic()) ? "created" : r.action(), r.problems()));
        }
        return rows;
    }

    /** Checks each topic exists with the partitions and configs the roles need. */
    public List<Row> check(Collection<TopicSpec> topics) throws InterruptedException {
        Set<String> existing = call(admin.listTopics().names());
        List<String> present = topics.stream().map(TopicSpec::name).filter(existing::contains).toList();
        Map<String, TopicDescription> descriptions = present.isEmpty() ? Map.of()
            : call(admin.describeTopics(present).allTopicNames());
        Map<ConfigResource, Config> configs = present.isEmpty() ? Map.of()
            : call(admin.describeConfigs(present.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all());
        List<Row> rows = new ArrayList<>();
        for (TopicSpec t : topics) {
            if (!existing.contains(t.name())) {
                rows.add(new Row(t.name(), 0, "-", "missing", List.of("topic does not exist (run: topics --create)")));
                continue;
            }
            int parts = descriptions.get(t.name()).partitions().size();
            Config c = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, t.name()));
            Map<String, String> actual = new HashMap<>();
            c.entries().forEach(e -> actual.put(e.name(), e.value()));
            rows.add(new Row(t.name(), parts, actual.getOrDefault("cleanup.policy", "?"), "exists",
                problems(t, parts, actual)));
        }
        return rows;
    }

    private List<String> problems(TopicSpec t, int parts, Map<String, String> actual) {
        List<String> p = new ArrayList<>();
        int want = layout.partitionsOf(t);
        if (t.partitions() > 0 && parts != want) {
            p.add("has " + parts + " partitions, needs exactly " + want);
        } else if (parts < want) {
            p.add("has " + parts + " partitions, needs at least " + want);
        }
        String cleanup = actual.getOrDefault("cleanup.policy", "");
        if (t.compacted() && !cleanup.contains("compact")) {
            p.add("cleanup.policy is '" + cleanup + "', needs 'compact' (snapshots are kept by key)");
        }
        if (!t.compacted() && cleanup.contains("compact")) {
            p.add("cleanup.policy is '" + cleanup + "', needs 'delete'");
        }
        if (t.compacted()) {
            long max = Long.parseLong(actual.getOrDefault("max.message.bytes", "0"));
            if (max < layout.snapshotMaxBytes()) {
                p.add("max.message.bytes is " + max + ", needs at least " + layout.snapshotMaxBytes());
            }
        }
        return p;
    }

    // A new topic reaches the metadata that listTopics and describe read a moment after creation.
    private void awaitVisible(Set<String> names) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(TIMEOUT_S);
        while (!call(admin.listTopics().names()).containsAll(names)) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("created topics did not appear within " + TIMEOUT_S + " s: " + names);
            }
            Thread.sleep(100);
        }
    }

    /** The future's value within a minute; its failure, or the timeout, as an {@link IllegalStateException}. */
    static <T> T call(org.apache.kafka.common.KafkaFuture<T> f) throws InterruptedException {
        try {
            return f.get(TIMEOUT_S, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka did not answer within " + TIMEOUT_S + " s", e);
        }
    }
}
