package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.distillery.config.AclSettings;
import io.distillery.config.Config;
import io.distillery.config.ConfigException;
import io.distillery.config.MonitorSettings;
import io.distillery.topics.TopicAcls;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The rights {@code topics --acls} grants each role. */
class RoleAclsTest {
    private static final Config CONFIG = Config.of(Map.of("acl.principal.teacher", "User:teacher",
        "acl.principal.student", "User:student", "acl.principal.monitor", "User:monitor",
        "acl.principal.serve", "User:serve", "acl.principal.produce", "User:produce"));
    private static final List<TopicAcls.Grant> GRANTS = RoleAcls.grants(AclSettings.from(CONFIG),
        MonitorSettings.from(CONFIG));

    @Test
    void shouldLetOnlyItsWriterWriteEachSnapshotAndCheckpointTopic() {
        assertThat(writersOf(Topics.STUDENT_SNAPSHOTS.name())).containsExactly("User:student");
        assertThat(writersOf(Topics.TEACHER_SNAPSHOTS.name())).containsExactly("User:teacher");
        assertThat(writersOf(Topics.STUDENT_CHECKPOINTS.name())).containsExactly("User:student");
        assertThat(writersOf(Topics.TEACHER_CHECKPOINTS.name())).containsExactly("User:teacher");
        assertThat(RoleAcls.snapshotWriters(AclSettings.from(CONFIG))).containsExactly(
            new TopicAcls.Writer(Topics.TEACHER_SNAPSHOTS, "User:teacher"),
            new TopicAcls.Writer(Topics.TEACHER_CHECKPOINTS, "User:teacher"),
            new TopicAcls.Writer(Topics.STUDENT_SNAPSHOTS, "User:student"),
            new TopicAcls.Writer(Topics.STUDENT_CHECKPOINTS, "User:student"));
    }

    @Test
    void shouldLetOnlyTheirWriterReadTheCheckpoints() {
        for (TopicSpec t : List.of(Topics.STUDENT_CHECKPOINTS, Topics.TEACHER_CHECKPOINTS)) {
            assertThat(GRANTS.stream().filter(g -> g.bindings().stream().anyMatch(b -> b.pattern().name()
                .equals(t.name()) && b.entry().operation() == AclOperation.READ)).map(TopicAcls.Grant::principal))
                .as(t.name()).containsExactly(writersOf(t.name()).get(0));
        }
    }

    @Test
    void shouldLetServingOnlyReadStudentSnapshotsAndTeacherLogitsAndWriteItsHeartbeat() {
        TopicAcls.Grant serve = grant("serve");
        assertThat(serve.bindings()).extracting(b -> b.pattern().name() + " " + b.entry().operation())
            .containsExactlyInAnyOrder(Topics.STUDENT_SNAPSHOTS.name() + " READ",
                Topics.TEACHER_LOGITS.name() + " READ", Topics.INSTANCES.name() + " WRITE");
    }

    @Test
    void shouldGiveTheTransactionalWritersTheirTransactionalIdsAndTheMonitorItsInternalTopics() {
        assertThat(prefixed(grant("teacher"), ResourceType.TRANSACTIONAL_ID)).containsExactly("distill-emitter-");
        assertThat(prefixed(grant("monitor"), ResourceType.TRANSACTIONAL_ID)).containsExactly("distill-monitor-");
        assertThat(prefixed(grant("monitor"), ResourceType.TOPIC)).containsExactly("distill-monitor-");
        assertThat(prefixed(grant("student"), ResourceType.TRANSACTIONAL_ID)).as("the student writes no transactions")
            .isEmpty();
    }

    @Test
    void shouldGrantNothingToARoleWithoutAPrincipal() {
        Config onlyServe = Config.of(Map.of("acl.principal.serve", "User:serve"));
        assertThat(RoleAcls.grants(AclSettings.from(onlyServe), MonitorSettings.from(onlyServe)))
            .extracting(TopicAcls.Grant::role).containsExactly("serve");
        assertThat(RoleAcls.snapshotWriters(AclSettings.from(onlyServe))).isEmpty();
    }

    @Test
    void shouldRefuseAPrincipalThatIsNotTypeColonName() {
        assertThatThrownBy(() -> AclSettings.from(Config.of(Map.of("acl.principal.serve", "serve"))))
            .isInstanceOf(ConfigException.class).hasMessageContaining("acl.principal.serve");
        assertThatThrownBy(() -> AclSettings.from(Config.of(Map.of("acl.principal.student", "User:*"))))
            .isInstanceOf(ConfigException.class).hasMessageContaining("acl.principal.student");
    }

    private static List<String> writersOf(String topic) {
        return GRANTS.stream().filter(g -> g.bindings().stream().anyMatch(b -> TopicAcls.mayWrite(b, topic)))
            .map(TopicAcls.Grant::principal).toList();
    }

    private static TopicAcls.Grant grant(String role) {
        return GRANTS.stream().filter(g -> g.role().equals(role)).findFirst().orElseThrow();
    }

    private static List<String> prefixed(TopicAcls.Grant g, ResourceType type) {
        return g.bindings().stream().filter(b -> b.pattern().resourceType() == type
            && b.pattern().patternType() == PatternType.PREFIXED).map(b -> b.pattern().name()).toList();
    }
}
