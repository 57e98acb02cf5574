package io.distillery.app;

import io.distillery.config.AclSettings;
import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.ConfigKey;
import io.distillery.config.MonitorSettings;
import io.distillery.topics.KafkaClients;
import io.distillery.topics.TopicAcls;
import io.distillery.topics.TopicAdmin;
import io.distillery.topics.Topics;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Creates or checks every topic of the service (and with {@code --acls} the roles' ACLs) and prints a table;
 * exit 1 when a topic or an ACL is wrong.
 */
@Command(name = "topics", mixinStandardHelpOptions = true,
    description = {"Create (idempotently) or check the topics the roles need.",
        "With the partitions and configs each role needs, and with --acls the ACLs of each role's principal."})
final class TopicsCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true)
    Mode mode = new Mode();

    static final class Mode {
        @Option(names = "--create", description = "create missing topics, then check all (default)")
        boolean create;

        @Option(names = "--check", description = "only check; change nothing")
        boolean check;
    }

    @Option(names = "--acls", description = {"also create (with --check: check) the ACLs of each role whose "
        + "principal is set (acl.principal.*), and check that each snapshot topic is writable by its writer alone;",
        "nothing to do when the cluster has no authorizer"})
    boolean acls;

    @Override
    public Integer call() throws InterruptedException {
        Config config = common.load();
        CommonSettings s = CommonSettings.from(config);
        TopicAdmin.Layout layout = new TopicAdmin.Layout(s.partitions(), s.replicationFactor(), s.retentionMs(),
            s.snapshotMaxBytes());
        try (Admin admin = Admin.create(KafkaClients.admin(config))) {
            TopicAdmin topics = new TopicAdmin(admin, layout);
            List<TopicAdmin.Row> rows = mode.check ? topics.check(Topics.ALL) : topics.create(Topics.ALL);
            print(rows, spec.commandLine().getOut());
            boolean ok = rows.stream().allMatch(TopicAdmin.Row::ok);
            if (!ok) {
                spec.commandLine().getErr().println("error: some topics are not as the roles need them (see PROBLEMS above)");
            }
            if (acls) {
                ok &= acls(admin, config);
            }
            return ok ? 0 : 1;
        }
    }

    /** Creates or checks the roles' ACLs and prints them; false when one is missing or a foreign writer exists. */
    private boolean acls(Admin admin, Config config) throws InterruptedException {
        AclSettings principals = AclSettings.from(config);
        List<TopicAcls.Grant> grants = RoleAcls.grants(principals, MonitorSettings.from(config));
        List<TopicAcls.Writer> writers = RoleAcls.snapshotWriters(principals);
        TopicAcls topicAcls = new TopicAcls(admin);
        TopicAcls.Report report = mode.check ? topicAcls.check(grants, writers) : topicAcls.create(grants, writers);
        PrintWriter out = spec.commandLine().getOut();
        if (!report.authorizer()) {
            out.println("the cluster has no authorizer: no ACLs to create or check");
            return true;
        }
        for (ConfigKey k : AclSettings.KEYS) {
            if (!principals.principals().containsKey(AclSettings.role(k))) {
                out.println("no ACLs for " + AclSettings.role(k) + ": " + k.name() + " is not set");
            }
        }
        out.printf("%-8s %-16s %-36s %-10s %-8s %s%n", "ROLE", "PRINCIPAL", "RESOURCE", "OPERATION", "STATUS",
            "PROBLEMS");
        for (TopicAcls.Row r : report.rows()) {
            out.printf("%-8s %-16s %-36s %-10s %-8s %s%n", r.role(), r.principal(), r.resource(), r.operation(),
                r.status(), r.ok() ? "-" : String.join("; ", r.problems()));
        }
        if (!report.ok()) {
            spec.commandLine().getErr().println("error: the ACLs are not as the roles need them (see PROBLEMS above)");
        }
        return report.ok();
    }

    static void print(List<TopicAdmin.Row> rows, PrintWriter out) {
        out.printf("%-28s %10s %-8s %-8s %s%n", "TOPIC", "PARTITIONS", "CLEANUP", "STATUS", "PROBLEMS");
        for (TopicAdmin.Row r : rows) {
            out.printf("%-28s %10d %-8s %-8s %s%n", r.topic(), r.partitions(), r.cleanup(), r.action(),
                r.ok() ? "-" : String.join("; ", r.problems()));
        }
    }
}
