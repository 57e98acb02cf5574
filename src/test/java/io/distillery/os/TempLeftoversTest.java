package io.distillery.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TempLeftoversTest {
    private static final Instant NOW = Instant.parse("2026-12-04T18:00:00Z");

    @TempDir
    Path tmp;

    private Path file(String name, Duration age) throws IOException {
        Path p = Files.write(tmp.resolve(name), new byte[] {1});
        Files.setLastModifiedTime(p, FileTime.from(NOW.minus(age)));
        return p;
    }

    private Path dir(String name, Duration age) throws IOException {
        Path p = Files.createDirectory(tmp.resolve(name));
        Files.setLastModifiedTime(p, FileTime.from(NOW.minus(age)));
        return p;
    }

    private List<String> left() throws IOException {
        try (Stream<Path> all = Files.list(tmp)) {
            return all.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void shouldRemoveTheOldCopiesThatKilledProcessesLeftAndNothingElse() throws IOException {
        Duration old = Duration.ofHours(3);
        Duration fresh = Duration.ofMinutes(5);
        file("liblz4-java-111.so", old);
        file("liblz4-java-111.so.lck", old);
        file("liblz4-java-222.so", fresh); // a process unpacking it now
        file("liblz4-java-222.so.lck", fresh);
        file("liblz4-java-333.so.lck", old); // a marker whose library is gone
        dir("onnxruntime-java444", old);
        Files.write(dir("onnxruntime-java555", old).resolve("libonnxruntime.so"), new byte[] {1}); // not empty
        dir("onnxruntime-java666", fresh);
        file("liblz4-java-777.so", old); // lz4-java would remove it itself; so do we
        file("other.so", old);
        file("distillery-notes.txt", old);

        List<Path> removed = TempLeftovers.sweep(tmp, NOW, TempLeftovers.MIN_AGE);

        assertThat(removed).extracting(p -> p.getFileName().toString()).containsExactlyInAnyOrder(
            "liblz4-java-111.so", "liblz4-java-111.so.lck", "liblz4-java-333.so.lck", "onnxruntime-java444",
            "liblz4-java-777.so");
        assertThat(left()).containsExactly("distillery-notes.txt", "liblz4-java-222.so", "liblz4-java-222.so.lck",
            "onnxruntime-java555", "onnxruntime-java666", "other.so");
    }

    @Test
    void shouldFindNothingToDoInADirectoryWithoutLeftovers() throws IOException {
        file("other.so", Duration.ofDays(2));

        assertThat(TempLeftovers.sweep(tmp, NOW, TempLeftovers.MIN_AGE)).isEmpty();
        assertThat(left()).containsExactly("other.so");
    }
}
