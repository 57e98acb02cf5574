package io.distillery.testing;

import io.distillery.os.FileTrees;
import java.io.IOException;
import java.nio.file.Path;

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
        for (IOException e : FileTrees.delete(dir)) {
            System.err.println("cannot delete under " + dir + ": " + e);
        }
    }
}
