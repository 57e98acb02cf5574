package io.distillery.topics;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.app.Main;
import io.distillery.testing.KafkaFixture;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;

class TopicsCommandIT {
    private record Run(int exit, String out, String err) {
    }

    private static Run topics(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] full = new String[args.length + 1];
        full[0] = "topics";
        System.arraycopy(args, 0, full, 1, args.length);
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), full);
        return new Run(exit, out.toString(), err.toString());
    }

    @Test
    void shouldCreateEveryTopicOnFreshClusterThenFindThemAllRight() {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            String b = kafka.bootstrapServers();
            Run check = topics("--check", "--bootstrap-servers", b);
            assertThat(check.exit()).isEqualTo(1);
            assertThat(check.out()).contains("distill.records.labeled").contains("missing");

            Run create = topics("--bootstrap-servers", b, "--set", "topics.partitions=4");
            assertThat(create.exit()).as(create.out() + create.err()).isZero();
            for (TopicSpec t : Topics.ALL) {
                assertThat(create.out()).containsPattern(t.name().replace(".", "\\.") + "\\s+\\d+\\s+\\w+\\s+created");
            }
            assertThat(create.out()).containsPattern("distill\\.records\\.labeled\\s+4\\s+delete")
                .containsPattern("distill\\.student\\.snapshots\\s+1\\s+compact");

            Run again = topics("--create", "--bootstrap-servers", b, "--set", "topics.partitions=4");
            assertThat(again.exit()).isZero();
            assertThat(again.out()).doesNotContain("created");
            assertThat(topics("--check", "--bootstrap-servers", b, "--set", "topics.partitions=4").exit()).isZero();

            Run acls = topics("--acls", "--bootstrap-servers", b, "--set", "topics.partitions=4",
                "--set", "acl.principal.serve=User:serve");
            assertThat(acls.exit()).as(acls.out() + acls.err()).isZero();
            assertThat(acls.out()).contains("the cluster has no authorizer: no ACLs to create or check");
        }
    }

    @Test
    void shouldFailCheckNamingEachProblemOnMisconfiguredCluster() throws Exception {
        try (KafkaFixture.Cluster kafka = KafkaFixture.dedicated()) {
            String b = kafka.bootstrapServers();
            try (Admin admin = Admin.create(Map.of("bootstrap.servers", b))) {
                admin.createTopics(List.of(
                    new NewTopic("distill.teacher.snapshots", 1, (short) 1).configs(Map.of("cleanup.policy", "delete", "max.message.bytes", "1000000")),
                    new NewTopic("distill.records.labeled", 1, (short) 1),
                    new NewTopic("distill.feedback", 2, (short) 1))).all().get();
            }
            Run create = topics("--bootstrap-servers", b);
            assertThat(create.exit()).isEqualTo(1);
            assertThat(create.err()).contains("some topics are not as the roles need them");
            assertThat(create.out())
                .contains("cleanup.policy is 'delete', needs 'compact'")
                .contains("max.message.bytes is 1000000, needs at least 33554432")
                .contains("has 1 partitions, needs at least 3")
                .contains("has 2 partitions, needs exactly 1");
            assertThat(create.out()).containsPattern("distill\\.student\\.snapshots\\s+1\\s+compact\\s+created\\s+-");
        }
    }

    @Test
    void shouldExitWithUsageErrorWhenBootstrapIsMissing() {
        Run r = topics("--check");
        assertThat(r.exit()).isEqualTo(2);
        assertThat(r.err()).contains("kafka.bootstrap.servers must be set");
    }
}
