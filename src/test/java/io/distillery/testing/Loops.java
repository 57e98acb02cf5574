package io.distillery.testing;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.records.FeedbackMessage;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.student.StudentLoop;
import io.distillery.teacher.CandidateTransform;
import io.distillery.teacher.EmissionGate;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.FeedbackFollower;
import io.distillery.teacher.TeacherModel;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Supplier;

/** The role loops wired as their commands wire them, with real Kafka clients, started; close each. */
public final class Loops {
    private Loops() {
    }

    private static ModelStore store(Config config, RoleMetrics metrics, String role) {
        return ModelStore.of(config, new SnapshotCodec(SnapshotKeys.from(CommonSettings.from(config), true)), metrics, role);
    }

    public static Trainer trainer(Config config, RoleMetrics metrics, TrainerAdaptation adaptation) {
        return trainer(config, metrics, adaptation, CandidateTransform.NONE);
    }

    /** A trainer whose candidate teachers pass through {@code transform} before its publish gate. */
    public static Trainer trainer(Config config, RoleMetrics metrics, TrainerAdaptation adaptation,
                                  CandidateTransform transform) {
        Trainer t = new Trainer(TeacherSettings.from(config), config, ClientFactory.KAFKA,
            store(config, metrics, Roles.TEACHER), adaptation, CommonSettings.from(config).stuckAfter(), transform);
        t.start();
        return t;
    }

    public static Emitter emitter(Config config, RoleMetrics metrics, Supplier<TeacherModel> teacher, EmissionGate gate) {
        Emitter e = new Emitter(TeacherSettings.from(config), config, ClientFactory.KAFKA, teacher, gate, metrics,
            CommonSettings.from(config).stuckAfter(), Clock.systemUTC());
        e.start();
        return e;
    }

    /** The teacher snapshots as the student follows them. */
    public static FollowedModel teacherSnapshots(Config config, RoleMetrics metrics) {
        StudentSettings s = StudentSettings.from(config);
        return store(config, metrics, Roles.STUDENT).follow(Topics.TEACHER_SNAPSHOTS, Models.TEACHER,
            s.network().inputs(), s.network().outputs()).start();
    }

    public static StudentLoop student(Config config, RoleMetrics metrics, FollowedModel teacher) {
        StudentLoop s = new StudentLoop(StudentSettings.from(config), config, ClientFactory.KAFKA,
            store(config, metrics, Roles.STUDENT), teacher, CommonSettings.from(config).stuckAfter());
        s.start();
        return s;
    }

    /** A feedback follower, not yet started. */
    public static FeedbackFollower feedback(Config config, RoleMetrics metrics,
                                            List<Consumer<FeedbackMessage>> listeners) {
        return FeedbackFollower.create(config, ClientFactory.KAFKA, metrics, listeners);
    }
}
