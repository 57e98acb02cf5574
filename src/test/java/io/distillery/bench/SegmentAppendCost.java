package io.distillery.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import java.util.Random;

/**
 * What appending one snapshot-sized batch to a log segment costs the writing thread, by where the page cache finds
 * the pages: a broker appends each produced batch with one {@code write} from a direct buffer, and the kernel copies
 * it into page-cache pages it takes from its free lists. Four cases, in this order: a new file (pages free for long),
 * a new file right after another of the same size was deleted (pages freed a moment ago), a new file after the
 * next deletion and a pause (pages freed {@code pauseMs} ago), and the same region written over again (pages already
 * cached). A virtual machine whose host reclaims the guest's free memory (free page reporting) makes every page the
 * guest has not touched since it was freed cost a host fault on first touch: there pages freed a moment ago are
 * cheap and pages freed seconds ago are not (docs/serving-benchmark.md). Usage: {@code bench/run SegmentAppendCost [dir] [blocks] [bytes] [pauseMs]} (dir: where the
 * broker's log would be; the system's temporary directory by default).
 */
public final class SegmentAppendCost {
    private static final Path REPORTING = Paths.get("/sys/module/page_reporting/parameters/page_reporting_order");
    /** The buddy allocator's largest block on x86-64 (MAX_PAGE_ORDER): 4 MiB. */
    private static final int LARGEST_ORDER = 10;

    private SegmentAppendCost() {
    }

    public static void main(String[] args) throws IOException, InterruptedException {
        Path dir = args.length > 0 ? Paths.get(args[0]) : Paths.get(System.getProperty("java.io.tmpdir"));
        int blocks = args.length > 1 ? Integer.parseInt(args[1]) : 200;
        int bytes = args.length > 2 ? Integer.parseInt(args[2]) : 790_000;
        long pauseMs = args.length > 3 ? Long.parseLong(args[3]) : 5000;
        ByteBuffer block = ByteBuffer.allocateDirect(bytes);
        byte[] random = new byte[bytes];
        new Random(1).nextBytes(random);
        block.put(random).flip();
        overwrite(dir, block, 20); // the write path compiled, not reported (it frees one block's pages only)
        System.out.printf(Locale.ROOT, "%nOne write of %d bytes at the end of a file in %s, ms per write (%d writes "
            + "per case; %s)%n%n| the pages | p50 | p90 | max |%n|---|---|---|---|%n",
            bytes, dir, blocks, pageReporting());
        row("new file: pages free for long", appendNew(dir, block, blocks));
        row("new file: pages freed a moment ago (a file of the same size just deleted)",
            appendNew(dir, block, blocks));
        Thread.sleep(pauseMs);
        row("new file: pages freed " + pauseMs + " ms ago", appendNew(dir, block, blocks));
        row("the same region written over again: pages already cached", overwrite(dir, block, blocks));
    }

    /** Milliseconds of each write appending {@code block} to a new file, which is deleted afterwards. */
    private static double[] appendNew(Path dir, ByteBuffer block, int blocks) throws IOException {
        return writes(dir, block, blocks, false);
    }

    /** Milliseconds of each write of {@code block} at the start of one file, after a first unmeasured one. */
    private static double[] overwrite(Path dir, ByteBuffer block, int blocks) throws IOException {
        return writes(dir, block, blocks, true);
    }

    private static double[] writes(Path dir, ByteBuffer block, int blocks, boolean sameRegion) throws IOException {
        Path file = Files.createTempFile(dir, "segment", ".log");
        double[] ms = new double[blocks];
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
            if (sameRegion) {
                writeFully(ch, block, 0);
            }
            for (int i = 0; i < blocks; i++) {
                long at = sameRegion ? 0 : (long) i * block.capacity();
                long t0 = System.nanoTime();
                writeFully(ch, block, at);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
        } finally {
            Files.delete(file);
        }
        return ms;
    }

    private static void writeFully(FileChannel ch, ByteBuffer block, long at) throws IOException {
        ByteBuffer b = block.duplicate();
        while (b.hasRemaining()) {
            at += ch.write(b, at);
        }
    }

    private static void row(String label, double[] ms) {
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        System.out.printf(Locale.ROOT, "| %s | %.3f | %.3f | %.3f |%n", label, sorted[sorted.length / 2],
            sorted[(int) (sorted.length * 0.9)], sorted[sorted.length - 1]);
    }

    /**
     * This machine's free page reporting as one phrase for a benchmark's header: the guest hands freed blocks of
     * {@code 4 KiB << order} and up back to its host, whose next touch then costs a host fault.
     */
    static String pageReporting() {
        try {
            int order = Integer.parseInt(Files.readString(REPORTING).trim());
            if (order > LARGEST_ORDER) {
                return "free page reporting: off (order " + order + ", above the kernel's largest block)";
            }
            return "free page reporting: blocks of " + (4 << order) + " KiB and up (order " + order + ")";
        } catch (IOException | NumberFormatException e) {
            return "free page reporting: none found";
        }
    }
}
