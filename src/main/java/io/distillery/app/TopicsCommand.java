package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.topics.KafkaClients;
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

/** Creates or checks every topic of the service and prints a table; exit 1 when a topic is wrong. */
@Command(name = "topics", mixinStandardHelpOptions = true,
    description = "Create (idempotently) or check the topics with the partitions and configs the roles need.")
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
            return ok ? 0 : 1;
        }
    }

    static void print(List<TopicAdmin.Row> rows, PrintWriter out) {
        out.printf("%-28s %10s %-8s %-8s %s%n", "TOPIC", "PARTITIONS", "CLEANUP", "STATUS", "PROBLEMS");
        for (TopicAdmin.Row r : rows) {
            out.printf("%-28s %10d %-8s %-8s %s%n", r.topic(), r.partitions(), r.cleanup(), r.action(),
                r.ok() ? "-" : String.join("; ", r.problems()));
        }
    }
}
