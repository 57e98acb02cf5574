package io.distillery.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileTreesTest {
    @TempDir
    Path tmp;

    @Test
    void shouldDeleteATreeDeepestFirst() throws Exception {
        Path dir = tmp.resolve("broker");
        Files.createDirectories(dir.resolve("t-0").resolve("deeper"));
        Files.writeString(dir.resolve("t-0").resolve("00000000000000000000.log"), "records");
        Files.writeString(dir.resolve("t-0").resolve("deeper").resolve("x"), "x");
        Files.writeString(dir.resolve("meta.properties"), "node.id=1");

        assertThat(FileTrees.delete(dir)).isEmpty();
        assertThat(dir).doesNotExist();
        assertThat(tmp).exists();
    }

    @Test
    void shouldTakeAMissingDirectoryAsDeleted() {
        assertThat(FileTrees.delete(tmp.resolve("never-made"))).isEmpty();
    }

    @Test
    void shouldDeleteASingleFileGivenInsteadOfADirectory() throws Exception {
        Path file = Files.writeString(tmp.resolve("f"), "x");
        assertThat(FileTrees.delete(file)).isEmpty();
        assertThat(file).doesNotExist();
    }
}
