package io.distillery.topics;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.errors.SecurityDisabledException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;

/**
 * The ACLs of the service's roles: creates (idempotently) or checks the rights each role's principal
 * needs ({@link Grant}), and checks that each snapshot topic is writable by its writer alone, because a
 * signed snapshot replayed after compaction cannot be told from a new one: write access is the defence.
 * Rights are allowed from any host; READ and WRITE imply DESCRIBE. The admin client is the caller's.
 */
public final class TopicAcls {
    /** What one role's principal may do, as ACL bindings. */
    public record Grant(String role, String principal, List<AclBinding> bindings) {
        public Grant {
            bindings = List.copyOf(bindings);
        }

        /** Starts the grant of {@code role} to {@code principal} ({@code User:NAME}). */
        public static Builder of(String role, String principal) {
            return new Builder(role, principal);
        }
    }

    /** Builds a {@link Grant}; each method adds ALLOW bindings for the principal. */
    public static final class Builder {
        private final String role;
        private final String principal;
        private final List<AclBinding> bindings = new ArrayList<>();

        private Builder(String role, String principal) {
            this.role = role;
            this.principal = principal;
        }

        /** READ (and so DESCRIBE) on each topic. */
        public Builder reads(TopicSpec... topics) {
            for (TopicSpec t : topics) {
                allow(ResourceType.TOPIC, t.name(), PatternType.LITERAL, AclOperation.READ);
            }
            return this;
        }

        /** WRITE (and so DESCRIBE) on each topic. */
        public Builder writes(TopicSpec... topics) {
            for (TopicSpec t : topics) {
                allow(ResourceType.TOPIC, t.name(), PatternType.LITERAL, AclOperation.WRITE);
            }
            return this;
        }

        /** READ on a consumer group: join it and commit its offsets. */
        public Builder group(String group) {
            return allow(ResourceType.GROUP, group, PatternType.LITERAL, AclOperation.READ);
        }

        /** WRITE on every transactional id that starts with {@code prefix}. */
        public Builder transactionalIds(String prefix) {
            return allow(ResourceType.TRANSACTIONAL_ID, prefix, PatternType.PREFIXED, AclOperation.WRITE);
        }

        /** ALL on every topic that starts with {@code prefix} (Kafka Streams' internal topics). */
        public Builder ownsTopics(String prefix) {
            return allow(ResourceType.TOPIC, prefix, PatternType.PREFIXED, AclOperation.ALL);
        }

        public Grant build() {
            return new Grant(role, principal, bindings);
        }

        private Builder allow(ResourceType type, String name, PatternType pattern, AclOperation op) {
            bindings.add(new AclBinding(new ResourcePattern(type, name, pattern),
                new AccessControlEntry(principal, "*", op, AclPermissionType.ALLOW)));
            return this;
        }
    }

    /** One line of the report: a binding (or a problem found), what was done or found, the problems. */
    public record Row(String role, String principal, String resource, String operation, String status,
                      List<String> problems) {
        public boolean ok() {
            return problems.isEmpty();
        }
    }

    /**
     * The outcome: whether the cluster authorizes requests at all, and the rows.
     *
     * @param authorizer false when the cluster has no authorizer (then nothing was created or checked)
     */
    public record Report(boolean authorizer, List<Row> rows) {
        public boolean ok() {
            return rows.stream().allMatch(Row::ok);
        }
    }

    private final Admin admin;

    public TopicAcls(Admin admin) {
        this.admin = admin;
    }

    /** Creates the missing bindings of the grants, then checks everything as {@link #check} does. */
    public Report create(List<Grant> grants, Collection<Writer> exclusive) throws InterruptedException {
        return run(grants, exclusive, true);
    }

    /**
     * Checks that every binding of the grants exists and that nobody but its writer may write a topic of
     * {@code exclusive}.
     */
    public Report check(List<Grant> grants, Collection<Writer> exclusive) throws InterruptedException {
        return run(grants, exclusive, false);
    }

    /** A topic that one principal alone may write. */
    public record Writer(TopicSpec topic, String principal) {
    }

    private Report run(List<Grant> grants, Collection<Writer> exclusive, boolean create) throws InterruptedException {
        Set<AclBinding> existing;
        try {
            existing = new HashSet<>(TopicAdmin.call(admin.describeAcls(AclBindingFilter.ANY).values()));
        } catch (IllegalStateException e) {
            if (e.getCause() instanceof SecurityDisabledException) {
                return new Report(false, List.of());
            }
            throw e;
        }
        List<AclBinding> missing = grants.stream().flatMap(g -> g.bindings().stream())
            .filter(b -> !existing.contains(b)).toList();
        if (create && !missing.isEmpty()) {
            TopicAdmin.call(admin.createAcls(missing).all());
        }
        List<Row> rows = new ArrayList<>();
        for (Grant g : grants) {
            for (AclBinding b : g.bindings()) {
                boolean absent = missing.contains(b);
                String status = !absent ? "exists" : create ? "created" : "missing";
                rows.add(new Row(g.role(), g.principal(), describe(b.pattern()), b.entry().operation().name(), status,
                    absent && !create ? List.of("ACL missing (run: topics --acls)") : List.of()));
            }
        }
        for (Writer w : exclusive) {
            for (AclBinding b : existing) {
                if (mayWrite(b, w.topic().name()) && !b.entry().principal().equals(w.principal())) {
                    rows.add(new Row("-", b.entry().principal(), describe(b.pattern()), b.entry().operation().name(),
                        "foreign", List.of("may write " + w.topic().name() + ", which only " + w.principal()
                            + " may write: remove this ACL")));
                }
            }
        }
        return new Report(true, rows);
    }

    /** Whether an existing binding lets its principal write {@code topic}. */
    public static boolean mayWrite(AclBinding b, String topic) {
        ResourcePattern p = b.pattern();
        AclOperation op = b.entry().operation();
        boolean matches = p.resourceType() == ResourceType.TOPIC && switch (p.patternType()) {
            case LITERAL -> p.name().equals(topic) || p.name().equals(ResourcePattern.WILDCARD_RESOURCE);
            case PREFIXED -> topic.startsWith(p.name());
            default -> false;
        };
        return matches && b.entry().permissionType() == AclPermissionType.ALLOW
            && (op == AclOperation.WRITE || op == AclOperation.ALL);
    }

    private static String describe(ResourcePattern p) {
        String type = p.resourceType().name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
        return type + ":" + p.name() + (p.patternType() == PatternType.PREFIXED ? "*" : "");
    }
}
