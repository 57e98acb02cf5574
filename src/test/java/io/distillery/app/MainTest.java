package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class MainTest {
    private static String[] run(int expectedExit, String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int exit = Main.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        assertThat(exit).as("exit of %s: %s %s", String.join(" ", args), out, err).isEqualTo(expectedExit);
        return new String[] {out.toString(), err.toString()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"demo", "teacher", "student", "monitor", "serve", "evaluate", "topics", "produce", "broker",
        "config"})
    void shouldPrintHelpForEachCommand(String command) {
        String out = run(0, command, "--help")[0];
        assertThat(out).startsWith("Usage: distillery " + command);
        if (!command.equals("broker")) {
            assertThat(out).contains("--bootstrap-servers").contains("--config").contains("--set");
        }
    }

    @Test
    void shouldListOnlyCommandsThatWork() {
        String out = run(0, "--help")[0];
        for (String c : new String[] {"demo", "teacher", "student", "monitor", "serve", "evaluate", "topics", "produce",
            "broker", "config"}) {
            assertThat(out).containsPattern("(?m)^  " + c + " ");
        }
    }

    @Test
    void shouldExitTwoNamingKeyAndValueOnBadSetting() {
        String err = run(2, "produce", "synthetic", "--bootstrap-servers", "127.0.0.1:1", "--set", "data.features=0")[1];
        assertThat(err).contains("error: data.features must be > 0, was 0");
    }

    @Test
    void shouldExitTwoOnUnknownSetting() {
        String err = run(2, "config", "--set", "data.feature=3")[1];
        assertThat(err).contains("unknown configuration key(s): data.feature (from flag)");
    }

    @Test
    void shouldRejectUnknownSource() {
        String err = run(2, "produce", "parquet")[1];
        assertThat(err).contains("unknown source 'parquet'");
    }
}
