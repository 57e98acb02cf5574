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

    @Test
    void shouldQuoteTheFullLogTheConsoleNames() throws Exception {
        Path full = dir.resolve("distill-demo-1.log");
        // the full log names itself too (it has the console's lines): quoted once, not followed
        Files.write(full, List.of("02:12:01.000 INFO  [main] Broker - started",
            "02:12:02.000 ERROR [main] Controller - the quorum is lost", "02:12:03.000 INFO  [main] X - stopping",
            "full log: " + full));
        Path console = dir.resolve("demo.1.log");
        Files.write(console, List.of("full log: " + full, "TOPIC ..."));

        assertThat(RoleProcess.excerpt(console, 2)).isEqualTo("last lines:\nfull log: " + full + "\nTOPIC ...\n"
            + "of its full log " + full + ":\n"
            + "failure lines:\n02:12:02.000 ERROR [main] Controller - the quorum is lost\n"
            + "last lines:\n02:12:03.000 INFO  [main] X - stopping\nfull log: " + full);
    }
}
