package io.distillery.os;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes what a killed process of ours left in {@code java.io.tmpdir}. Two libraries unpack themselves there and
 * delete their copies when the JVM exits normally, so a process killed (SIGKILL, an out-of-memory kill, a pod's
 * grace period running out) leaves them for good: lz4-java's native library ({@code liblz4-java-N.so}, about 236 KB,
 * with its {@code .so.lck} marker; lz4-java's own start-up clean-up skips a library whose marker exists, and a
 * killed process leaves both) and ONNX Runtime's empty {@code onnxruntime-javaN} directory. In a pod whose
 * {@code /tmp} is an {@code emptyDir} they add up with every restart of a crashing container; on a build machine,
 * with every killed test process.
 *
 * <p>Only leftovers older than {@code minAge} are taken, so a process unpacking its library at this moment is left
 * alone. A library that a running process has loaded may go too: on Linux a mapped file stays valid after its
 * name is removed, and the process's own deletion at exit then finds nothing to delete. Stateless.
 */
public final class TempLeftovers {
    private static final Logger LOG = LoggerFactory.getLogger(TempLeftovers.class);
    /** How old a leftover must be: far longer than any process takes to unpack and load its library. */
    public static final Duration MIN_AGE = Duration.ofHours(1);
    private static final String LZ4 = "liblz4-java-";
    private static final String LOCK = ".lck";
    private static final String ORT = "onnxruntime-java";

    private TempLeftovers() {
    }

    /** Sweeps {@code java.io.tmpdir}; never throws (a failure is logged). */
    public static void sweepTmpdir() {
        try {
            List<Path> removed = sweep(Path.of(System.getProperty("java.io.tmpdir")), Instant.now(), MIN_AGE);
            if (!removed.isEmpty()) {
                LOG.info("removed {} files and directories that killed processes left in {} (lz4-java's and ONNX "
                    + "Runtime's unpacked copies)", removed.size(), System.getProperty("java.io.tmpdir"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.warn("could not sweep {} for leftovers of killed processes: {}", System.getProperty("java.io.tmpdir"),
                e.toString());
        }
    }

    /**
     * Removes from {@code dir} the lz4-java libraries (with their markers) and the empty ONNX Runtime directories
     * last modified before {@code now - minAge}; a file that cannot be removed is skipped.
     *
     * @return the paths removed
     */
    public static List<Path> sweep(Path dir, Instant now, Duration minAge) throws IOException {
        Instant before = now.minus(minAge);
        List<Path> removed = new ArrayList<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir,
                p -> p.getFileName().toString().startsWith(LZ4) || p.getFileName().toString().startsWith(ORT))) {
            for (Path p : entries) {
                String name = p.getFileName().toString();
                if (name.startsWith(LZ4) && !name.endsWith(LOCK) && Files.isRegularFile(p) && older(p, before)) {
                    delete(p, removed);
                    delete(p.resolveSibling(name + LOCK), removed);
                } else if (name.startsWith(LZ4) && name.endsWith(LOCK) && Files.isRegularFile(p) && older(p, before)
                    && !Files.exists(p.resolveSibling(name.substring(0, name.length() - LOCK.length())))) {
                    delete(p, removed);
                } else if (name.startsWith(ORT) && Files.isDirectory(p) && older(p, before) && isEmpty(p)) {
                    delete(p, removed);
                }
            }
        }
        return removed;
    }

    private static boolean older(Path p, Instant before) {
        try {
            return Files.getLastModifiedTime(p).toInstant().isBefore(before);
        } catch (IOException e) {
            return false;
        }
    }

    private static boolean isEmpty(Path dir) {
        try (DirectoryStream<Path> inside = Files.newDirectoryStream(dir)) {
            return !inside.iterator().hasNext();
        } catch (IOException e) {
            return false;
        }
    }

    private static void delete(Path p, List<Path> removed) {
        try {
            if (Files.deleteIfExists(p)) {
                removed.add(p);
            }
        } catch (IOException e) {
            // another user's file, or one just taken by another process: left alone
        }
    }
}
