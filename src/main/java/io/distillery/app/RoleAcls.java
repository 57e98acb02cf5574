package io.distillery.app;

import io.distillery.config.AclSettings;
import io.distillery.config.MonitorSettings;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.Emitter;
import io.distillery.topics.TopicAcls.Grant;
import io.distillery.topics.TopicAcls.Writer;
import io.distillery.topics.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * What each role may do on the cluster, for {@code topics --acls}: the least each needs. The snapshot and
 * checkpoint topics are written by their writer alone (teacher, student), and the checkpoints read by it alone;
 * serving only reads student snapshots.
 * The student writes without transactions (it resumes from its snapshots); the emitter's transactional ids
 * start with {@code distill-emitter-}, the monitor's (Kafka Streams, exactly-once) with its application id,
 * which also prefixes its internal topics.
 */
final class RoleAcls {
    private RoleAcls() {
    }

    /** The grants of the roles whose principal is set. */
    static List<Grant> grants(AclSettings acl, MonitorSettings monitor) {
        Map<String, String> p = acl.principals();
        List<Grant> out = new ArrayList<>();
        if (p.containsKey("teacher")) {
            out.add(Grant.of("teacher", p.get("teacher"))
                .reads(Topics.LABELED, Topics.UNLABELED, Topics.FEEDBACK, Topics.TEACHER_SNAPSHOTS,
                    Topics.TEACHER_CHECKPOINTS)
                .writes(Topics.TEACHER_LOGITS, Topics.TEACHER_SNAPSHOTS, Topics.TEACHER_CHECKPOINTS, Topics.DEADLETTER,
                    Topics.INSTANCES)
                .group(Emitter.GROUP).transactionalIds(Emitter.TRANSACTIONAL_ID_PREFIX).build());
        }
        if (p.containsKey("student")) {
            out.add(Grant.of("student", p.get("student"))
                .reads(Topics.TEACHER_LOGITS, Topics.TEACHER_SNAPSHOTS, Topics.STUDENT_SNAPSHOTS,
                    Topics.STUDENT_CHECKPOINTS)
                .writes(Topics.STUDENT_EVALS, Topics.STUDENT_SNAPSHOTS, Topics.STUDENT_CHECKPOINTS, Topics.DEADLETTER,
                    Topics.INSTANCES)
                .group(StudentLoop.GROUP).build());
        }
        if (p.containsKey("monitor")) {
            String app = monitor.applicationId();
            out.add(Grant.of("monitor", p.get("monitor")).reads(Topics.STUDENT_EVALS)
                .writes(Topics.FEEDBACK, Topics.DEADLETTER, Topics.INSTANCES)
                .group(app).ownsTopics(app + "-").transactionalIds(app + "-").build());
        }
        if (p.containsKey("serve")) {
            out.add(Grant.of("serve", p.get("serve")).reads(Topics.STUDENT_SNAPSHOTS, Topics.TEACHER_LOGITS)
                .writes(Topics.INSTANCES)
                .build());
        }
        if (p.containsKey("produce")) {
            out.add(Grant.of("produce", p.get("produce"))
                .writes(Topics.LABELED, Topics.UNLABELED, Topics.DEADLETTER).build());
        }
        return out;
    }

    /** Each snapshot and checkpoint topic and the one principal that may write it (when set). */
    static List<Writer> snapshotWriters(AclSettings acl) {
        List<Writer> out = new ArrayList<>();
        Map<String, String> p = acl.principals();
        if (p.containsKey("teacher")) {
            out.add(new Writer(Topics.TEACHER_SNAPSHOTS, p.get("teacher")));
            out.add(new Writer(Topics.TEACHER_CHECKPOINTS, p.get("teacher")));
        }
        if (p.containsKey("student")) {
            out.add(new Writer(Topics.STUDENT_SNAPSHOTS, p.get("student")));
            out.add(new Writer(Topics.STUDENT_CHECKPOINTS, p.get("student")));
        }
        return out;
    }
}
