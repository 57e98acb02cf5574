package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.config.InferenceSettings;
import io.distillery.inference.Engine;
import io.distillery.ingest.Dataset;
import io.distillery.ingest.FashionMnist;
import io.distillery.ingest.FileSource;
import io.distillery.ingest.RecordSource;
import io.distillery.metrics.RoleMetrics;
import io.distillery.model.LogitMath;
import io.distillery.model.Network;
import io.distillery.model.Predictor;
import io.distillery.modelstore.CheckedNetwork;
import io.distillery.modelstore.FollowedModel;
import io.distillery.modelstore.SnapshotVerifier;
import io.distillery.records.Decoded;
import io.distillery.records.InputCodec;
import io.distillery.snapshot.Hashes;
import io.distillery.snapshot.SnapshotCodec;
import io.distillery.snapshot.SnapshotException;
import io.distillery.snapshot.SnapshotKeys;
import io.distillery.spec.Models;
import io.distillery.spec.Roles;
import io.distillery.topics.TopicSpec;
import io.distillery.topics.Topics;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Scores a teacher or student snapshot on a held-out set. */
@Command(name = Roles.EVALUATE, mixinStandardHelpOptions = true,
    description = {"Score the newest (or a given) teacher or student snapshot on a held-out set.",
        "The set is the Fashion-MNIST test split or a labeled JSON-lines/CSV file. Prints accuracy, and for the "
            + "student its top-1 agreement with the newest teacher. --save writes the signed snapshot to a file, "
            + "--export-onnx its verified ONNX graph (to run it with ONNX Runtime anywhere)."})
final class EvaluateCommand implements Callable<Integer> {
    enum Model { teacher, student }

    @Mixin
    CommonOptions common;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--model", defaultValue = "student", description = "teacher or student (default: ${DEFAULT-VALUE})")
    Model model;

    @Option(names = "--snapshot", paramLabel = "FILE", description = "a snapshot file instead of the newest on the topic")
    Path snapshotFile;

    @Option(names = "--data", defaultValue = "fashion-mnist",
        description = "fashion-mnist (the test split) or a labeled .jsonl/.csv file (default: ${DEFAULT-VALUE})")
    String data;

    @Option(names = "--fashion-mnist-dir", description = "IDX directory (default /usr/share/datasets/fashion-mnist)")
    Path fashionDir;

    @Option(names = "--save", paramLabel = "FILE", description = "also write the evaluated snapshot to this file")
    Path save;

    @Option(names = "--export-onnx", paramLabel = "FILE",
        description = "also write the evaluated network's verified ONNX graph to this file")
    Path exportOnnx;

    @Override
    public Integer call() throws Exception {
        Config config = common.load();
        DataSettings shape = DataSettings.from(config);
        SnapshotCodec codec = new SnapshotCodec(SnapshotKeys.from(CommonSettings.from(config), false));
        PrintWriter out = spec.commandLine().getOut();
        Dataset test = heldOut(shape);
        Loaded m = snapshotFile != null ? fromFile(codec, shape) : newest(config, codec, shape, model.name(), topic(model));
        if (m == null) {
            spec.commandLine().getErr().println("error: no " + model + " snapshot on " + topic(model).name());
            return 1;
        }
        if (save != null) {
            Files.write(save, m.bytes);
            out.println("saved " + model + " snapshot v" + m.version + " to " + save);
        }
        if (exportOnnx != null) {
            Files.write(exportOnnx, m.network.onnx());
            out.println("exported " + model + " v" + m.version + " as ONNX to " + exportOnnx + " (sha256 "
                + Hashes.sha256Hex(m.network.onnx()) + ")");
        }
        Engine engine = Engine.of(InferenceSettings.from(config).engine());
        int[] predicted = predict(m.network, engine, test);
        out.printf("%s v%d on %d held-out records: accuracy %.4f%n", model, m.version, test.size(),
            LogitMath.accuracy(predicted, test.y()));
        if (model == Model.student && snapshotFile == null) {
            Loaded teacher = newest(config, codec, shape, Models.TEACHER, Topics.TEACHER_SNAPSHOTS);
            if (teacher != null) {
                int[] t = predict(teacher.network, engine, test);
                out.printf("teacher v%d accuracy %.4f; student-teacher top-1 agreement %.4f%n", teacher.version,
                    LogitMath.accuracy(t, test.y()), LogitMath.accuracy(predicted, t));
            }
        }
        return 0;
    }

    private record Loaded(long version, CheckedNetwork network, byte[] bytes) {
    }

    private static int[] predict(CheckedNetwork network, Engine engine, Dataset test) {
        try (Predictor p = network.open(engine)) {
            return p.predict(test.x());
        }
    }

    private static TopicSpec topic(Model m) {
        return m == Model.teacher ? Topics.TEACHER_SNAPSHOTS : Topics.STUDENT_SNAPSHOTS;
    }

    private Loaded fromFile(SnapshotCodec codec, DataSettings shape) throws Exception {
        byte[] bytes = Files.readAllBytes(snapshotFile);
        try (RoleMetrics metrics = new RoleMetrics()) {
            SnapshotVerifier.Verified<CheckedNetwork> v = SnapshotVerifier.ofNetworks(model.name(), shape.features(),
                shape.classes(), codec, metrics, Roles.EVALUATE).verify(bytes, -1);
            return new Loaded(v.version(), v.model(), bytes);
        } catch (SnapshotException e) {
            throw new IllegalArgumentException(snapshotFile + " rejected (" + e.reason().tag() + "): " + e.getMessage(), e);
        }
    }

    private static Loaded newest(Config config, SnapshotCodec codec, DataSettings shape, String name, TopicSpec topic)
        throws InterruptedException {
        try (RoleMetrics metrics = new RoleMetrics();
             FollowedModel f = new FollowedModel(config, topic, name, codec, shape.features(), shape.classes(), metrics,
                 Roles.EVALUATE).start()) {
            if (!f.awaitCaughtUp(Duration.ofMinutes(1))) {
                throw new IllegalStateException("could not read " + topic.name() + " within a minute");
            }
            FollowedModel.Current c = f.current();
            return c == null ? null : new Loaded(c.version(), c.checked(), c.encoded());
        }
    }

    private Dataset heldOut(DataSettings shape) throws Exception {
        if (data.equals("fashion-mnist")) {
            return FashionMnist.load(fashionDir == null ? FashionMnist.DEFAULT_DIR : fashionDir, FashionMnist.Split.TEST);
        }
        Path file = Path.of(data);
        InputCodec codec = new InputCodec(shape);
        List<float[]> xs = new ArrayList<>();
        List<Integer> ys = new ArrayList<>();
        try (FileSource src = new FileSource(file, FileSource.formatOf(file), codec, Clock.systemUTC())) {
            for (RecordSource.Item i = src.next(); i != null; i = src.next()) {
                Decoded d = i.rejectDetail() == null ? codec.decode(i.raw()) : null;
                if (d != null && d.valid() && d.record().labeled()) {
                    xs.add(d.record().features());
                    ys.add(d.record().label());
                }
            }
        }
        if (xs.isEmpty()) {
            throw new IllegalArgumentException(file + " has no valid labeled records to evaluate on");
        }
        return new Dataset(xs.toArray(new float[0][]), ys.stream().mapToInt(Integer::intValue).toArray());
    }

}
