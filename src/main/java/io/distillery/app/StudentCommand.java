package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.student.Recent;
import io.distillery.student.StudentLoop;
import io.distillery.topics.ClientFactory;
import io.distillery.topics.Topics;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The student: distills the teacher's logits, with replay refreshed by the newest teacher. */
@Command(name = "student", mixinStandardHelpOptions = true,
    description = {"Distill the student from the teacher's logits and publish student snapshots.",
        "Evaluates each record, then trains on it (replay with refreshed soft targets), and writes the "
            + "per-record evaluations."})
final class StudentCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        Config config = common.load();
        RoleRunner runner = RoleRunner.forRole(Roles.STUDENT, config);
        StudentLoop student = start(config, runner.metrics(), runner);
        return runner.await(() -> {
            Recent r = student.recent();
            System.err.printf("student: v%d, %d records, agreement %.3f, accuracy %.3f (teacher %.3f)%n",
                student.version(), student.processed(), r.agreement(), r.studentAccuracy(), r.teacherAccuracy());
        }, 10_000);
    }

    static StudentLoop start(Config config, RoleMetrics metrics, RoleRunner runner) {
        StudentSettings settings = StudentSettings.from(config);
        CommonSettings shared = CommonSettings.from(config);
        SnapshotCodec codec = new SnapshotCodec(SnapshotKeys.from(shared, true), shared.snapshotWriteFormat());
        ModelStore store = ModelStore.of(config, codec, metrics, Roles.STUDENT);
        FollowedModel teacher = runner.add(store.follow(Topics.TEACHER_SNAPSHOTS, Models.TEACHER,
            settings.network().inputs(), settings.network().outputs()));
        teacher.start();
        StudentLoop student = runner.add(new StudentLoop(settings, config, ClientFactory.KAFKA, store, teacher,
            shared.stuckAfter()));
        student.start();
        runner.heartbeat(Roles.STUDENT, config, metrics, List.of(teacher, student));
        return student;
    }
}
