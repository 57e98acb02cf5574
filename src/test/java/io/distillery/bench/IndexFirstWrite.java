package io.distillery.bench;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * What the first write into a freshly preallocated, memory-mapped index file costs, by the file's size: what a Kafka
 * broker does for each new log segment's offset and time index ({@code log.index.size.max.bytes}, 10 MiB by
 * default). The file is made sparse at its full size and mapped, as Kafka makes it; the first 8-byte write faults in
 * its first page, and the kernel may zero a large folio at once. Then one write per 4 KiB page over the next 256 KiB.
 * Usage: {@code bench/run IndexFirstWrite [dir] [rounds]} (dir: where the broker's log would be; the system's
 * temporary directory by default, since the filesystem decides).
 */
public final class IndexFirstWrite {
    private static final long[] SIZES = {10L << 20, 1L << 20, 128L << 10, 64L << 10};

    private IndexFirstWrite() {
    }

    public static void main(String[] args) throws IOException {
        Path dir = args.length > 0 ? Paths.get(args[0]) : Paths.get(System.getProperty("java.io.tmpdir"));
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf(Locale.ROOT, "%nFirst write into a mapped, preallocated index file in %s, ms (%d rounds)%n%n"
            + "| file size | first write, each round | the next 64 pages, each round |%n|---|---|---|%n", dir, rounds);
        for (long size : SIZES) {
            StringBuilder first = new StringBuilder();
            StringBuilder next = new StringBuilder();
            for (int round = 0; round < rounds; round++) {
                double[] t = touch(dir, size);
                first.append(String.format(Locale.ROOT, "%s%.3f", round == 0 ? "" : ", ", t[0]));
                next.append(String.format(Locale.ROOT, "%s%.3f", round == 0 ? "" : ", ", t[1]));
            }
            System.out.printf(Locale.ROOT, "| %d KiB | %s | %s |%n", size >> 10, first, next);
        }
    }

    /** Milliseconds of the first 8-byte write, and of one write per 4 KiB page over the next 256 KiB. */
    private static double[] touch(Path dir, long size) throws IOException {
        Path file = Files.createTempFile(dir, "first-write", ".index");
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            f.setLength(size);
            MappedByteBuffer map = f.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, size);
            long t0 = System.nanoTime();
            map.putLong(0, 1L);
            long t1 = System.nanoTime();
            for (int at = 4096; at < Math.min(size, 256 << 10); at += 4096) {
                map.putLong(at, at);
            }
            long t2 = System.nanoTime();
            return new double[] {(t1 - t0) / 1e6, (t2 - t1) / 1e6};
        } finally {
            Files.delete(file);
        }
    }
}
