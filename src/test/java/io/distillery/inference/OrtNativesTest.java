package io.distillery.inference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OrtNativesTest {
    private static final String LIBRARY = System.mapLibraryName("onnxruntime");

    @TempDir
    Path tmp;

    @Test
    void shouldLoadFromOneCachedCopyAndLeaveNoLibraryBehindWhenTheProcessIsKilled() throws Exception {
        assumeTrue(OrtNatives.platform().isPresent(), "ONNX Runtime's jar has libraries for this platform");
        Path cache = tmp.resolve("cache");
        Path processTmp = Files.createDirectory(tmp.resolve("process-tmp"));

        Map<String, String> first = killedAfterLoading(cache, processTmp);
        Path dir = Path.of(first.get("native.path"));
        assertThat(dir.getParent()).isEqualTo(cache);
        assertThat(first.get("mapped")).isEqualTo(dir.resolve(LIBRARY).toString());
        // its shutdown hook would release the environment while the roles' hooks still close their sessions
        assertThat(first.get("ortHooks")).as("ONNX Runtime's shutdown hooks left").isEqualTo("0");
        assertThat(Files.size(dir.resolve(LIBRARY))).isGreaterThan(1_000_000L);
        // before the cache, every process left its own 22 MB copy in java.io.tmpdir when it was killed
        assertThat(librariesUnder(processTmp)).as("libraries left in the killed process's tmp").isEmpty();

        FileTime copied = Files.getLastModifiedTime(dir.resolve(LIBRARY));
        Object inode = Files.getAttribute(dir.resolve(LIBRARY), "unix:ino");
        Map<String, String> second = killedAfterLoading(cache, processTmp);
        assertThat(second.get("native.path")).isEqualTo(dir.toString());
        assertThat(Files.getAttribute(dir.resolve(LIBRARY), "unix:ino")).as("the same file, not a new copy")
            .isEqualTo(inode);
        assertThat(Files.getLastModifiedTime(dir.resolve(LIBRARY))).isEqualTo(copied);
        assertThat(librariesUnder(processTmp)).isEmpty();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(cache))).isEqualTo("rwx------");
    }

    @Test
    void shouldReplaceATruncatedCopy() throws Exception {
        assumeTrue(OrtNatives.platform().isPresent());
        Path dir = OrtNatives.install(tmp, getClass().getClassLoader()).orElseThrow();
        long size = Files.size(dir.resolve(LIBRARY));
        Files.write(dir.resolve(LIBRARY), new byte[100]);

        assertThat(OrtNatives.install(tmp, getClass().getClassLoader())).contains(dir);
        assertThat(Files.size(dir.resolve(LIBRARY))).isEqualTo(size);
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                .containsExactlyInAnyOrder(LIBRARY, System.mapLibraryName("onnxruntime4j_jni"));
        }
    }

    @Test
    void shouldRefuseACacheThatOthersMayWrite() throws Exception {
        assumeTrue(OrtNatives.platform().isPresent());
        Path shared = Files.createDirectory(tmp.resolve("shared"));
        Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rwxrwxrwx"));

        assertThatThrownBy(() -> OrtNatives.install(shared, getClass().getClassLoader()))
            .isInstanceOf(IOException.class).hasMessageContaining("may be written by others");
        try (Stream<Path> files = Files.list(shared)) {
            assertThat(files).isEmpty();
        }
    }

    @Test
    void shouldDoNothingWithoutLibrariesForThisPlatformOnTheClasspath() throws Exception {
        ClassLoader empty = new ClassLoader(null) { };

        assertThat(OrtNatives.install(tmp.resolve("cache"), empty)).isEqualTo(Optional.empty());
        assertThat(tmp.resolve("cache")).doesNotExist();
    }

    /** Starts {@link OrtLoadProbe} in a child JVM, reads what it prints once ONNX Runtime is loaded, kills it. */
    private static Map<String, String> killedAfterLoading(Path cache, Path processTmp) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx256m", "--add-opens=java.base/java.lang=ALL-UNNAMED", "-Djava.io.tmpdir=" + processTmp, "-D" + OrtNatives.CACHE_DIR + "=" + cache,
            "-cp", System.getProperty("java.class.path"), OrtLoadProbe.class.getName()));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        Map<String, String> printed = new HashMap<>();
        List<String> lines = new ArrayList<>();
        try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            for (String line = out.readLine(); line != null && !line.equals("loaded"); line = out.readLine()) {
                lines.add(line);
                int eq = line.indexOf('=');
                if (eq > 0 && !line.contains(" ")) {
                    printed.put(line.substring(0, eq), line.substring(eq + 1));
                }
                assertThat(System.nanoTime()).as("probe output so far: %s", lines).isLessThan(deadline);
            }
        } finally {
            p.destroyForcibly();
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).as("probe exited").isTrue();
        }
        assertThat(printed).as("probe output: %s", lines).containsKeys("native.path", "mapped");
        return printed;
    }

    private static List<Path> librariesUnder(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            return all.filter(p -> p.getFileName().toString().endsWith(".so")).toList();
        }
    }
}
