package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.testing.RoleEndpoints;
import io.distillery.testing.RoleProcess;
import io.distillery.testing.TempDirs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's first command as a user runs it: {@code distillery demo} from the jar with {@code deploy/jvm.options},
 * until the serving API reports a verified student version and the metrics are served, then stopped as Ctrl-C or
 * {@code docker stop} stops it (SIGTERM). It must exit and take its in-process broker's data with it, leaving its
 * log. The demo's console output goes to {@code target/demo-it/}.
 */
class DemoIT {
    private static final Path LOGS = Path.of("target", "demo-it");

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES)
    void shouldServeTheStudentAndLeaveOnlyItsLogBehindWhenStopped() throws Exception {
        TempDirs.delete(LOGS); // the last run's log
        // ports of the demo's own choosing (0), read from what it prints, as a user reads them
        try (RoleProcess demo = new RoleProcess("demo", List.of("-Xmx768m", "-Djava.io.tmpdir=" + tmp),
            List.of("demo", "--rate", "500"), Map.of("metrics.port", "0", "serve.port", "0"), LOGS).start()) {
            int metricsPort = Integer.parseInt(demo.awaitOutput(
                Pattern.compile("demo running: .* metrics at http://localhost:(\\d+)/metrics"), Duration.ofMinutes(1))
                .group(1));
            int servePort = Integer.parseInt(demo.awaitOutput(
                Pattern.compile("serving the student at http://127\\.0\\.0\\.1:(\\d+)/"), Duration.ofSeconds(1))
                .group(1));
            long served = RoleEndpoints.awaitServedVersion(servePort, v -> v > 0, Duration.ofMinutes(2));
            assertThat(served).as("student version served; see %s", LOGS).isPositive();
            assertThat(RoleEndpoints.get(metricsPort, "/metrics")).contains("distill_records_produced_total");

            demo.stop(Duration.ofSeconds(60));
            assertThat(demo.unexpectedExits()).isEmpty();
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
