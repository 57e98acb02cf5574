package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.config.Config;
import io.distillery.spec.Roles;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A busy port stops a role with one line naming the key to change; metrics.port=0 picks a free port. */
class PortsTest {

    @Test
    void shouldStopOnABusyMetricsPortWithOneLineNamingTheKey() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getByName("0.0.0.0"))) {
            String[] result = run("serve", "--set", "metrics.port=" + busy.getLocalPort());
            assertThat(result[0]).isEqualTo("2");
            assertThat(result[1].lines()).singleElement().asString()
                .startsWith("error: metrics.port=" + busy.getLocalPort() + ": the port is already in use")
                .contains("--set metrics.port=N (0 picks a free one)");
        }
    }

    @Test
    void shouldStopOnABusyServingPortWithOneLineNamingTheKey() throws Exception {
        try (ServerSocket busy = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            String[] result = run("serve", "--bootstrap-servers", "127.0.0.1:1", "--set", "metrics.port=0",
                "--set", "serve.host=127.0.0.1", "--set", "serve.port=" + busy.getLocalPort(),
                "--set", "snapshot.hmac.key=ports-test-hmac-key-0123456789");
            assertThat(result[0]).isEqualTo("2");
            assertThat(result[1].lines()).singleElement().asString()
                .startsWith("error: serve.port=" + busy.getLocalPort() + ": the port is already in use");
        }
    }

    @Test
    void shouldServeMetricsOnAFreePortWhenAskedForPortZero() throws Exception {
        try (RoleRunner runner = RoleRunner.forRole(Roles.TEACHER, Config.of(Map.of("metrics.port", "0",
            "kafka.bootstrap.servers", "127.0.0.1:1")))) {
            assertThat(runner.metricsPort()).isPositive();
            assertThat(canBind(runner.metricsPort())).as("the picked port is in use by /metrics").isFalse();
        }
    }

    private static boolean canBind(int port) {
        try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getByName("0.0.0.0"))) {
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }

    /** {exit code, what went to stderr}. */
    private static String[] run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new String[] {Integer.toString(code), err.toString()};
    }
}
