package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.inference.Engine;
import io.distillery.ingest.Dataset;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Predictor;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.ModelStore;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;

/**
 * The demo's live test accuracy: follows the published teacher and student snapshots and scores each new
 * version once on held-out rows, as {@code evaluate} does. Used from the status thread only.
 */
final class TestAccuracy {
    private final Dataset test;
    private final Engine engine;
    private final Scored teacher;
    private final Scored student;

    private TestAccuracy(Dataset test, Engine engine, FollowedModel teacher, FollowedModel student) {
        this.test = test;
        this.engine = engine;
        this.teacher = new Scored(teacher);
        this.student = new Scored(student);
    }

    static TestAccuracy start(Config config, RoleMetrics metrics, RoleRunner runner, Dataset test) {
        ModelStore store = ModelStore.of(config, new SnapshotCodec(SnapshotKeys.from(CommonSettings.from(config), false)),
            metrics, Roles.EVALUATE);
        DataSettings data = DataSettings.from(config);
        return new TestAccuracy(test, Engine.of(InferenceSettings.from(config).engine()),
            follow(store, runner, Topics.TEACHER_SNAPSHOTS, Models.TEACHER, data),
            follow(store, runner, Topics.STUDENT_SNAPSHOTS, Models.STUDENT, data));
    }

    private static FollowedModel follow(ModelStore store, RoleRunner runner, TopicSpec topic, String model,
                                        DataSettings data) {
        FollowedModel f = runner.add(store.follow(topic, model, data.features(), data.classes()));
        f.start();
        return f;
    }

    /** e.g. {@code test acc teacher 0.823 (v4), student 0.781 (v7)}; "-" before a model's first snapshot. */
    String line() {
        return "test acc teacher " + teacher.describe() + ", student " + student.describe();
    }

    /** A followed model and the accuracy of the last version scored. */
    private final class Scored {
        private final FollowedModel followed;
        private long version = -1;
        private double accuracy = Double.NaN;

        Scored(FollowedModel followed) {
            this.followed = followed;
        }

        String describe() {
            FollowedModel.Current c = followed.current();
            if (c != null && c.version() != version) {
                try (Predictor p = c.checked().open(engine)) {
                    accuracy = LogitMath.accuracy(p.predict(test.x()), test.y());
                }
                version = c.version();
            }
            return version < 0 ? "-" : DemoCommand.ratio(accuracy) + " (v" + version + ")";
        }
    }
}
