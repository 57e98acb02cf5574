package io.distillery.os;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** Deletes directory trees (a broker's log directory, the demo's state). Stateless. */
public final class FileTrees {
    private FileTrees() {
    }

    /**
     * Deletes {@code dir} and everything under it, deepest first, going on past what cannot be deleted; a missing
     * {@code dir} is fine.
     *
     * @return why each path that is left could not be deleted (listing the tree counts as one), empty when all went
     */
    public static List<IOException> delete(Path dir) {
        List<IOException> failures = new ArrayList<>();
        if (!Files.exists(dir)) {
            return failures;
        }
        List<Path> all;
        try (Stream<Path> paths = Files.walk(dir)) {
            all = paths.sorted(Comparator.reverseOrder()).toList();
        } catch (NoSuchFileException e) {
            return failures; // deleted meanwhile
        } catch (IOException e) {
            failures.add(e);
            return failures;
        } catch (UncheckedIOException e) { // a directory that could not be read while walking
            failures.add(e.getCause());
            return failures;
        }
        for (Path p : all) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                failures.add(e);
            }
        }
        return failures;
    }
}
