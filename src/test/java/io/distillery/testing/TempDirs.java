package io.distillery.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Deletes the directories that tests and benchmarks create outside JUnit's {@code @TempDir} (an in-process
 * broker's log directory, a benchmark's): a broker's logs of one benchmark run reach a gigabyte, and what is left
 * in {@code /tmp} stays there.
 */
public final class TempDirs {
    private TempDirs() {
    }

    /** Deletes {@code dir} and everything under it; what cannot be deleted is named on standard error. */
    public static void delete(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        List<Path> all;
        try (Stream<Path> paths = Files.walk(dir)) {
            all = paths.sorted(Comparator.reverseOrder()).toList();
        } catch (IOException e) {
            System.err.println("cannot list " + dir + " to delete it: " + e);
            return;
        }
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                System.err.println("cannot delete " + p + ": " + e);
            }
        }
    }
}
