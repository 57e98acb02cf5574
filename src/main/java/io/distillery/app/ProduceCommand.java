package io.distillery.app;

import io.distillery.config.CommonSettings;
import io.distillery.config.Config;
import io.distillery.config.DataSettings;
import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.FashionMnist;
import io.distillery.ingest.FileSource;
import io.distillery.ingest.Pacer;
import io.distillery.ingest.Publisher;
import io.distillery.ingest.RecordSource;
import io.distillery.ingest.SyntheticStream;
import io.distillery.metrics.MetricsServer;
import io.distillery.metrics.RoleMetrics;
import io.distillery.records.DeadLetters;
import io.distillery.records.InputCodec;
import io.distillery.spec.Roles;
import io.distillery.topics.KafkaClients;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Publishes a source to the two input topics, with progress on the terminal. */
@Command(name = "produce", mixinStandardHelpOptions = true,
    description = {"Publish records to distill.records.labeled / distill.records.unlabeled.",
        "SOURCE: synthetic (drifting Gaussian-mixture stream), fashion-mnist (IDX files), or file (JSON lines or CSV)."})
final class ProduceCommand implements Callable<Integer> {
    enum SourceKind { synthetic, fashion_mnist, file }

    @Mixin
    CommonOptions common;

    @Parameters(index = "0", paramLabel = "SOURCE", converter = SourceConverter.class,
        description = "synthetic | fashion-mnist | file")
    SourceKind source;

    @Option(names = "--count", defaultValue = "0", description = "records to publish, 0 = whole source (synthetic: endless)")
    long count;

    @Option(names = "--labeled-fraction", defaultValue = "0.1", description = "share of records that keep their label (default: ${DEFAULT-VALUE})")
    double labeledFraction;

    @Option(names = "--rate", defaultValue = "0", description = "records per second, 0 = as fast as possible")
    double rate;

    @Option(names = "--seed", defaultValue = "42", description = "seed of the stream, the order and the label choice")
    long seed;

    @Option(names = "--drift", defaultValue = "", description = "synthetic drift schedule, e.g. abrupt@50000,gradual@120000:20000")
    String drift;

    @Option(names = "--modes", defaultValue = "3", description = "synthetic: Gaussian modes per class")
    int modes;

    @Option(names = "--separation", defaultValue = "1.0", description = "synthetic: spread of the mode centres")
    double separation;

    @Option(names = "--noise", defaultValue = "0.6", description = "synthetic: per-record noise")
    double noise;

    @Option(names = "--path", description = "file: the .jsonl or .csv file; fashion-mnist: the IDX directory (default /usr/share/datasets/fashion-mnist)")
    Path path;

    @Option(names = "--split", defaultValue = "TRAIN", description = "fashion-mnist split: TRAIN or TEST")
    FashionMnist.Split split;

    @Option(names = "--fault-rate", defaultValue = "0", description = "share of generated records broken on purpose, to exercise the dead-letter path")
    double faultRate;

    @Option(names = "--quiet", description = "no progress lines")
    boolean quiet;

    @Override
    @SuppressWarnings("try") // the metrics server only needs to live as long as the run
    public Integer call() throws IOException, InterruptedException {
        Config config = common.load();
        DataSettings data = DataSettings.from(config);
        InputCodec codec = new InputCodec(data);
        Publisher.Options options = new Publisher.Options(count, labeledFraction, rate, seed, faultRate);
        try (RecordSource src = open(data, codec);
             RoleMetrics metrics = new RoleMetrics(Roles.PRODUCE);
             MetricsServer server = MetricsServer.start(metrics, "0.0.0.0",
                 CommonSettings.from(config).metricsPort(), List::of);
             Producer<byte[], byte[]> producer = new KafkaProducer<>(KafkaClients.producer(config, Map.of()))) {
            Publisher publisher = new Publisher(producer, codec, new DeadLetters(producer, Roles.PRODUCE, metrics),
                metrics, options, System::nanoTime);
            Publisher.Summary s = publisher.run(src, Pacer.system(rate), this::progress, 2_000_000_000L);
            System.err.printf("done: %d records from %s: %d labeled, %d unlabeled, %d dead-lettered %s%n",
                s.read(), src.name(), s.labeled(), s.unlabeled(), s.deadLetteredTotal(), s.deadLettered());
        }
        return 0;
    }

    private RecordSource open(DataSettings data, InputCodec codec) throws IOException {
        Clock clock = Clock.systemUTC();
        return switch (source) {
            case synthetic -> new SyntheticStream(new SyntheticStream.Params(data.features(), data.classes(), modes,
                separation, noise, seed), DriftSchedule.parse(drift), clock);
            case fashion_mnist -> {
                if (data.features() != FashionMnist.FEATURES || data.classes() != FashionMnist.CLASSES) {
                    throw new IllegalArgumentException("fashion-mnist needs data.features=784 and data.classes=10, "
                        + "configured " + data.features() + " and " + data.classes());
                }
                Path dir = path == null ? FashionMnist.DEFAULT_DIR : path;
                yield FashionMnist.stream(FashionMnist.load(dir, split), split, seed, clock);
            }
            case file -> {
                if (path == null) {
                    throw new IllegalArgumentException("produce file needs --path FILE (.jsonl or .csv)");
                }
                yield new FileSource(path, FileSource.formatOf(path), codec, clock);
            }
        };
    }

    private void progress(Publisher.Summary s) {
        if (!quiet) {
            System.err.printf("produced %,d records (%,d labeled, %,d unlabeled, %,d dead-lettered) in %.1f s, %,.0f rec/s%n",
                s.read(), s.labeled(), s.unlabeled(), s.deadLetteredTotal(), s.seconds(),
                s.seconds() > 0 ? s.read() / s.seconds() : 0.0);
        }
    }

    /** Accepts {@code fashion-mnist} for the enum constant {@code fashion_mnist}. */
    static final class SourceConverter implements picocli.CommandLine.ITypeConverter<SourceKind> {
        @Override
        public SourceKind convert(String value) {
            try {
                return SourceKind.valueOf(value.replace('-', '_'));
            } catch (IllegalArgumentException e) {
                throw new picocli.CommandLine.TypeConversionException(
                    "unknown source '" + value + "': expected synthetic, fashion-mnist or file");
            }
        }
    }
}
