package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.FeedbackSettings;
import io.distillery.config.TeacherSettings;
import io.distillery.metrics.RoleMetrics;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.service.HealthCheck;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotKeys;
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
import io.distillery.topics.ClientFactory;
import io.distillery.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** The teacher: its trainer and its emitter, together (default) or apart. */
@Command(name = "teacher", mixinStandardHelpOptions = true,
    description = {"Train the teacher on labeled records and emit its logits for every record.",
        "The trainer learns at its own pace and publishes snapshots; the emitter keeps up with the input "
            + "and writes logits exactly once. Run them apart with --only to scale emitters out."})
final class TeacherCommand implements Callable<Integer> {
    enum Loop { trainer, emitter }

    @Mixin
    CommonOptions common;

    @Option(names = "--only", paramLabel = "trainer|emitter", description = "run only one of the two loops")
    Loop only;

    @Override
    public Integer call() throws Exception {
        Config config = common.load();
        RoleRunner runner = RoleRunner.forRole(Roles.TEACHER, config);
        Parts parts = start(config, runner.metrics(), runner, only);
        return runner.await(parts.status(), 10_000);
    }

    /** What {@link #start} started, for status lines. */
    record Parts(Trainer trainer, Emitter emitter, Runnable status) {
    }

    /** Starts the trainer, the emitter, or both, and registers them with the runner. */
    static Parts start(Config config, RoleMetrics metrics, RoleRunner runner, Loop only) {
        TeacherSettings settings = TeacherSettings.from(config);
        CommonSettings shared = CommonSettings.from(config);
        Duration stuckAfter = shared.stuckAfter();
        // an emitter alone reads teacher snapshots and never writes one, so it holds no signing key
        SnapshotKeys keys = SnapshotKeys.from(shared, only != Loop.emitter);
        ModelStore store = ModelStore.of(config, new SnapshotCodec(keys, shared.snapshotWriteFormat()), metrics,
            Roles.TEACHER);
        FeedbackSettings feedback = FeedbackSettings.from(config);
        EmissionPolicy policy = new EmissionPolicy(feedback, metrics);
        DriftResponse drift = new DriftResponse(feedback, metrics);
        FeedbackFollower follower = runner.add(FeedbackFollower.create(config, ClientFactory.KAFKA, metrics,
            List.of(policy::onFeedback, drift::onFeedback)));
        follower.start();
        List<HealthCheck> parts = new ArrayList<>(List.of(follower));
        Trainer trainer = null;
        if (only != Loop.emitter) {
            TrainerAdaptation adaptation = new AdaptiveTraining(drift, settings.network().learningRate());
            TeacherSettings own = only == Loop.trainer ? settings.uncapped() : settings;
            trainer = runner.add(new Trainer(own, config, ClientFactory.KAFKA, store, adaptation, stuckAfter));
            trainer.start();
            parts.add(trainer);
        }
        Emitter emitter = null;
        if (only != Loop.trainer) {
            emitter = runner.add(new Emitter(settings, config, ClientFactory.KAFKA, teacherSource(config, store, runner,
                trainer, parts), policy, metrics, stuckAfter, Clock.systemUTC()));
            emitter.start();
            parts.add(emitter);
        }
        runner.heartbeat(Roles.TEACHER, config, metrics, parts);
        return new Parts(trainer, emitter, status(trainer, emitter, policy));
    }

    /** The trainer's published copy in one process; else the followed teacher snapshots. */
    private static Supplier<TeacherModel> teacherSource(Config config, ModelStore store, RoleRunner runner,
                                                        Trainer trainer, List<HealthCheck> own) {
        if (trainer != null) {
            return trainer::latest;
        }
        DataSettings data = DataSettings.from(config);
        FollowedModel followed = runner.add(store.follow(Topics.TEACHER_SNAPSHOTS, Models.TEACHER, data.features(),
            data.classes()));
        followed.start();
        own.add(followed);
        return () -> {
            FollowedModel.Current c = followed.current();
            return c == null ? null : new TeacherModel(c.version(), c.network(), c.checked().onnx());
        };
    }

    private static Runnable status(Trainer trainer, Emitter emitter, EmissionPolicy policy) {
        return () -> {
            StringBuilder line = new StringBuilder("teacher:");
            if (trainer != null) {
                TeacherModel m = trainer.latest();
                line.append(" trainer at v").append(m == null ? 0 : m.version());
            }
            if (emitter != null) {
                line.append(" emitter wrote ").append(emitter.emitted()).append(" logits, emission share ")
                    .append(String.format("%.2f", policy.share()));
            }
            System.err.println(line);
        };
    }
}
