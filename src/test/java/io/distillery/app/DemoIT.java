package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.testing.RoleEndpoints;
import io.distillery.testing.RoleProcess;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a user runs it: {@code distillery demo} from the jar with {@code deploy/jvm.options},
 * until the serving API reports a verified student version and the metrics are served, then stopped as Ctrl-C or
 * {@code docker stop} stops it (SIGTERM). It must exit and take its in-process broker's data with it, leaving its
 * log.
 */
class DemoIT {
    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldServeTheStudentAndLeaveOnlyItsLogBehindWhenStopped() throws Exception {
        int metricsPort = RoleEndpoints.freePort();
        int servePort = RoleEndpoints.freePort();
        Process demo = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "@" + Path.of("deploy", "jvm.options").toAbsolutePath(), "-Xmx768m", "-Djava.io.tmpdir=" + tmp,
            "-jar", RoleProcess.jar().toString(), "demo", "--rate", "500",
            "--set", "metrics.port=" + metricsPort, "--set", "serve.port=" + servePort)
            .redirectErrorStream(true).start();
        List<String> output = new CopyOnWriteArrayList<>();
        Thread reader = new Thread(() -> {
            try (BufferedReader r = new BufferedReader(new InputStreamReader(demo.getInputStream(), StandardCharsets.UTF_8))) {
                r.lines().forEach(output::add);
            } catch (java.io.IOException e) {
                output.add("(output unreadable: " + e + ")");
            }
        }, "demo-output");
        reader.start();
        try {
            long served = RoleEndpoints.awaitServedVersion(servePort, v -> v > 0, Duration.ofMinutes(2));
            assertThat(served).as("student version served; demo output: %s", output).isPositive();
            assertThat(RoleEndpoints.get(metricsPort, "/metrics")).contains("distill_records_produced_total");
            assertThat(output).anyMatch(l -> l.startsWith("demo running:"));

            demo.destroy(); // SIGTERM
            assertThat(demo.waitFor(60, TimeUnit.SECONDS)).as("demo exited after SIGTERM; output: %s", output).isTrue();
            reader.join(10_000);
        } finally {
            demo.descendants().forEach(ProcessHandle::destroyForcibly);
            demo.destroyForcibly();
        }
        List<String> left;
        try (Stream<Path> all = Files.list(tmp)) {
            left = all.map(p -> p.getFileName().toString()).toList();
        }
        // the libraries' own copies (lz4, ONNX Runtime's directory, JNA's) are theirs to delete at exit, not ours
        assertThat(left).as("the demo's files left in java.io.tmpdir")
            .noneMatch(n -> n.startsWith("distill-demo-kafka"))
            .filteredOn(n -> n.matches("distill-demo-\\d+\\.log")).hasSize(1);
    }
}
