package io.distillery.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RoleProcessTest {
    @TempDir
    Path dir;

    @Test
    void shouldQuoteTheLastFailureLinesAndTheLastLinesOfALog() throws Exception {
        List<String> lines = new ArrayList<>(List.of("error: cannot start", "java.lang.IllegalStateException: boom",
            "\tat io.distillery.X.y(X.java:1)", "Caused by: java.net.BindException: Address already in use"));
        IntStream.range(0, 20).forEach(i -> lines.add("progress " + i));
        Path log = dir.resolve("role.1.log");
        Files.write(log, lines);

        assertThat(RoleProcess.excerpt(log, 2)).isEqualTo("failure lines:\n"
            + "java.lang.IllegalStateException: boom\nCaused by: java.net.BindException: Address already in use\n"
            + "last lines:\nprogress 18\nprogress 19");
    }

    @Test
    void shouldQuoteALogWithoutFailureLinesOrWholeCharacters() throws Exception {
        Path log = dir.resolve("role.1.log");
        Files.write(log, new byte[] {'o', 'k', '\n', 'c', 'u', 't', ' ', (byte) 0xe2, (byte) 0x82});

        assertThat(RoleProcess.excerpt(log, 5)).isEqualTo("last lines:\nok\ncut \ufffd");
        assertThat(RoleProcess.excerpt(dir.resolve("missing.log"), 5)).isEqualTo("last lines:\n");
    }
}
