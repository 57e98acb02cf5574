package io.distillery.records;

import io.distillery.config.DataSettings;
import io.distillery.ingest.DriftSchedule;
import io.distillery.ingest.FashionMnist;
import io.distillery.ingest.RecordSource;
import io.distillery.ingest.SyntheticStream;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * What decoding one input record costs, by {@link InputCodec#decode} (the fast reader where it applies) and by
 * Jackson's streaming parser alone, on the same payloads in one JVM: the demo's synthetic records and, when
 * installed, Fashion-MNIST's, all 784 features as {@link InputCodec#encode} writes them. Rounds alternate the two
 * readers, so a noisy neighbour slows both alike; each round prints µs per record and the ratio. Usage:
 * {@code bench/run io.distillery.records.DecodeCost [rounds] [records]} (5 and 20,000).
 */
public final class DecodeCost {
    private static volatile int sink;

    private DecodeCost() {
    }

    public static void main(String[] args) throws IOException {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
        int n = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
        DataSettings data = new DataSettings(FashionMnist.FEATURES, FashionMnist.CLASSES, 1 << 20);
        InputCodec codec = new InputCodec(data);
        List<String> names = new ArrayList<>(List.of("synthetic"));
        List<List<byte[]>> sets = new ArrayList<>(List.of(payloads(codec, new SyntheticStream(
            SyntheticStream.Params.of(FashionMnist.FEATURES, FashionMnist.CLASSES, 1), DriftSchedule.none(),
            Clock.systemUTC()), n)));
        if (Files.isDirectory(FashionMnist.DEFAULT_DIR)) {
            names.add("fashion-mnist");
            sets.add(payloads(codec, FashionMnist.stream(FashionMnist.load(FashionMnist.DEFAULT_DIR,
                FashionMnist.Split.TRAIN), FashionMnist.Split.TRAIN, 1, Clock.systemUTC()), n));
        }
        System.out.println("| records | round | bytes a record | Jackson µs/record | decode µs/record | Jackson / decode |");
        System.out.println("|---|---|---|---|---|---|");
        for (int s = 0; s < sets.size(); s++) {
            List<byte[]> set = sets.get(s);
            long bytes = set.stream().mapToLong(p -> p.length).sum() / set.size();
            long fastPath = set.stream().filter(p -> InputScanner.scan(p, data.features(), data.classes()) != null)
                .count();
            System.out.printf(Locale.ROOT, "%s: %d of %d records on the fast path%n", names.get(s), fastPath,
                set.size());
            for (int round = 0; round <= rounds; round++) { // round 0 warms both up, not printed
                double jackson = time(set, codec, true);
                double fast = time(set, codec, false);
                if (round > 0) {
                    System.out.printf(Locale.ROOT, "| %s | %d | %d | %.2f | %.2f | %.2f× |%n", names.get(s), round,
                        bytes, jackson, fast, jackson / fast);
                }
            }
        }
    }

    private static List<byte[]> payloads(InputCodec codec, RecordSource source, int n) {
        List<byte[]> out = new ArrayList<>(n);
        for (RecordSource.Item item = source.next(); item != null && out.size() < n; item = source.next()) {
            out.add(codec.encode(item.record()));
        }
        return out;
    }

    /** µs per record, every payload decoded once; fails if one is not valid. */
    private static double time(List<byte[]> payloads, InputCodec codec, boolean jackson) {
        long t0 = System.nanoTime();
        int features = 0;
        for (byte[] p : payloads) {
            Decoded d = jackson ? codec.decodeWithJackson(p) : codec.decode(p);
            if (!d.valid()) {
                throw new IllegalStateException(d.reason() + ": " + d.detail());
            }
            features += d.record().features().length;
        }
        sink = features;
        return (System.nanoTime() - t0) / 1e3 / payloads.size();
    }
}
