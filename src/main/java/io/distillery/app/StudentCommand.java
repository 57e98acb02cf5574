package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.StudentSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.student.StudentLoop;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** The student: distills the teacher's logits, with replay refreshed by the newest teacher. */
@Command(name = "student", mixinStandardHelpOptions = true,
    description = {"Distill the student from the teacher's logits (evaluate, then train; replay with refreshed",
        "soft targets), write per-record evaluations, publish student snapshots."})
final class StudentCommand implements Callable<Integer> {
    @Mixin
    CommonOptions common;

    @Override
    public Integer call() throws Exception {
        Config config = common.load();
        CommonSettings shared = CommonSettings.from(config);
        StudentSettings settings = StudentSettings.from(config);
        SnapshotCodec codec = new SnapshotCodec(shared.requireHmacKey());
        RoleRunner runner = RoleRunner.forRole(Roles.STUDENT, config);
        StudentLoop student = start(config, settings, codec, runner.metrics(), runner);
        return runner.await(() -> {
            double[] r = student.recent();
            System.err.printf("student: v%d, %d records, agreement %.3f, accuracy %.3f (teacher %.3f)%n",
                student.version(), student.processed(), r[0], r[1], r[2]);
        }, 10_000);
    }

    static StudentLoop start(Config config, StudentSettings settings, SnapshotCodec codec, RoleMetrics metrics,
                             RoleRunner runner) {
        FollowedModel teacher = new FollowedModel(config, Topics.TEACHER_SNAPSHOTS, Models.TEACHER, codec,
            settings.network().inputs(), settings.network().outputs(), metrics, Roles.STUDENT).start();
        runner.add("teacher snapshot follower", teacher, () -> null);
        StudentLoop student = new StudentLoop(settings, config, codec, teacher, metrics, Clock.systemUTC()).start();
        runner.add("student", student, student::failure);
        return student;
    }
}
