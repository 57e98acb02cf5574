package io.distillery.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

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
    void shouldSummarizeEachCommandInOneWholeSentenceInTheList() {
        // the list shows the first line of each command's description: a sentence cut there reads as a broken one
        CommandLine cli = new CommandLine(new Main());
        for (var sub : cli.getSubcommands().entrySet()) {
            String first = sub.getValue().getCommandSpec().usageMessage().description()[0];
            assertThat(first).as("first description line of %s", sub.getKey()).endsWith(".").hasSizeLessThan(105);
        }
        assertThat(cli.getSubcommands()).hasSizeGreaterThanOrEqualTo(11);
    }

    @Test
    void shouldTellWhatTheUserCanActOnInOneSentenceAndBugsWithTheirStackTrace() {
        var timeout = new org.apache.kafka.common.errors.TimeoutException(
            "Timeout expired while fetching topic metadata");
        var missingTopic = new org.apache.kafka.common.errors.UnknownTopicOrPartitionException(
            "topic distill.teacher.snapshots does not exist yet (run: topics --create)");

        assertThat(Main.explain(new java.util.concurrent.ExecutionException(timeout))).isEqualTo(new Main.Failure(
            "Kafka did not answer in time (Timeout expired while fetching topic metadata): check "
                + "--bootstrap-servers (or kafka.bootstrap.servers) and that a broker is reachable there", 1));
        assertThat(Main.explain(new IllegalStateException("reading", missingTopic))).isEqualTo(new Main.Failure(
            "topic distill.teacher.snapshots does not exist yet (run: topics --create)", 1));
        assertThat(Main.explain(new org.apache.kafka.common.errors.TopicAuthorizationException((String) null)))
            .isEqualTo(new Main.Failure("TopicAuthorizationException", 1));
        assertThat(Main.explain(new java.io.UncheckedIOException(new java.nio.file.NoSuchFileException("/x.jsonl"))))
            .isEqualTo(new Main.Failure("no such file: /x.jsonl", 2));
        assertThat(Main.explain(new java.nio.file.AccessDeniedException("/etc/shadow")))
            .isEqualTo(new Main.Failure("permission denied: /etc/shadow", 2));
        assertThat(Main.explain(new java.io.IOException("Fashion-MNIST not found in /d")))
            .isEqualTo(new Main.Failure("Fashion-MNIST not found in /d", 1));
        assertThat(Main.explain(new IllegalArgumentException("bad --rate"))).isEqualTo(new Main.Failure("bad --rate", 2));
        assertThat(Main.explain(new IllegalStateException("something else"))).as("a bug keeps its stack trace")
            .isNull();
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
    void shouldMaskSecretsInConfigOutput() {
        String[] secrets = {"snapshot.hmac.key", "serve.admin.token", "kafka.ssl.key.password",
            "kafka.ssl.keystore.password", "kafka.ssl.keystore.key", "kafka.ssl.truststore.password",
            "kafka.sasl.jaas.config", "kafka.producer.ssl.key.password"};
        List<String> args = new ArrayList<>(List.of("config"));
        for (int i = 0; i < secrets.length; i++) {
            args.add("--set");
            args.add(secrets[i] + "=hidden-value-" + i + "-0123456789");
        }
        args.addAll(List.of("--set", "kafka.ssl.keystore.location=/etc/kafka/ks.p12",
            "--set", "student.batch.size=64"));

        String out = run(0, args.toArray(String[]::new))[0];

        assertThat(out).doesNotContain("hidden-value");
        for (String key : secrets) {
            assertThat(out).containsPattern("(?m)^" + Pattern.quote(key) + " *= <set>");
        }
        assertThat(out).containsPattern("(?m)^kafka.ssl.keystore.location *= /etc/kafka/ks.p12")
            .containsPattern("(?m)^student.batch.size *= 64 ");
    }

    @Test
    void shouldRejectUnknownSource() {
        String err = run(2, "produce", "parquet")[1];
        assertThat(err).contains("unknown source 'parquet'");
    }
}
