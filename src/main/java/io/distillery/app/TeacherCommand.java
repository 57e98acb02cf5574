package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.FeedbackSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.teacher.AdaptiveTraining;
import io.distillery.teacher.DriftResponse;
import io.distillery.teacher.EmissionPolicy;
import io.distillery.teacher.Emitter;
import io.distillery.teacher.FeedbackFollower;
import io.distillery.teacher.TeacherModel;
import io.distillery.teacher.Trainer;
import io.distillery.teacher.TrainerAdaptation;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The teacher: its trainer and its emitter, together (default) or apart. */
@Command(name = "teacher", mixinStandardHelpOptions = true,
    description = {"Train the teacher on labeled records and emit its logits for every record.",
        "The trainer learns at its own pace and publishes snapshots; the emitter keeps up with the input",
        "and writes logits exactly once. Run them apart with --only to scale emitters out."})
final class TeacherCommand implements Callable<Integer> {
    enum Loop { trainer, emitter }

    @Mixin
    CommonOptions common;

    @Option(names = "--only", paramLabel = "trainer|emitter", description = "run only one of the two loops")
    Loop only;

    @Override
    public Integer call() throws Exception {
        Config config = common.load();
        CommonSettings shared = CommonSettings.from(config);
        TeacherSettings settings = TeacherSettings.from(config);
        SnapshotCodec codec = new SnapshotCodec(shared.requireHmacKey());
        RoleRunner runner = RoleRunner.forRole(Roles.TEACHER, config);
        Parts parts = start(config, settings, codec, runner.metrics(), runner, only);
        return runner.await(parts.status(), 10_000);
    }

    /** What {@link #start} started, for status lines. */
    record Parts(Trainer trainer, Emitter emitter, Runnable status) {
    }

    /** Starts the trainer, the emitter, or both, and registers them with the runner. */
    static Parts start(Config config, TeacherSettings settings, SnapshotCodec codec, RoleMetrics metrics,
                       RoleRunner runner, Loop only) {
        Trainer trainer = null;
        Emitter emitter = null;
        FeedbackSettings feedback = FeedbackSettings.from(config);
        EmissionPolicy policy = new EmissionPolicy(feedback, metrics);
        DriftResponse drift = new DriftResponse(feedback, metrics);
        FeedbackFollower follower = FeedbackFollower.create(config, metrics,
            List.of(policy::onFeedback, drift::onFeedback));
        follower.start();
        runner.add("feedback follower", follower, () -> follower.isRunning() ? null
            : new IllegalStateException("feedback follower stopped"));
        if (only != Loop.emitter) {
            TrainerAdaptation adaptation = new AdaptiveTraining(drift, settings.network().learningRate());
            TeacherSettings own = only == Loop.trainer ? settings.uncapped() : settings;
            trainer = new Trainer(own, config, codec, metrics, Clock.systemUTC(), adaptation).start();
            runner.add("teacher trainer", trainer, trainer::failure);
        }
        if (only != Loop.trainer) {
            Supplier<TeacherModel> source;
            if (trainer != null) {
                source = trainer::latest;
            } else {
                DataSettings data = DataSettings.from(config);
                FollowedModel followed = new FollowedModel(config, Topics.TEACHER_SNAPSHOTS, Models.TEACHER, codec,
                    data.features(), data.classes(), metrics, Roles.TEACHER).start();
                runner.add("teacher snapshot follower", followed, () -> null);
                source = () -> {
                    FollowedModel.Current c = followed.current();
                    return c == null ? null : new TeacherModel(c.version(), c.network());
                };
            }
            emitter = new Emitter(settings, config, source, policy, metrics).start();
            runner.add("teacher emitter", emitter, emitter::failure);
        }
        Trainer t = trainer;
        Emitter e = emitter;
        return new Parts(trainer, emitter, () -> {
            StringBuilder line = new StringBuilder("teacher:");
            if (t != null) {
                TeacherModel m = t.latest();
                line.append(" trainer at v").append(m == null ? 0 : m.version());
            }
            if (e != null) {
                line.append(" emitter wrote ").append(e.emitted()).append(" logits, emission share ")
                    .append(String.format("%.2f", policy.share()));
            }
            System.err.println(line);
        });
    }
}
