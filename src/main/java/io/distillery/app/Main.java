package io.distillery.app;

import io.distillery.config.ConfigException;
import java.io.PrintWriter;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The one entry point: {@code distillery <command>}. Each role is a subcommand; {@code --help} on each.
 * Exit codes: 0 success, 1 a check failed or the role failed, 2 bad usage or configuration.
 */
@Command(name = "distillery", mixinStandardHelpOptions = true, versionProvider = VersionProvider.class,
    description = "Streaming online knowledge distillation on Kafka.",
    subcommands = {DemoCommand.class, TeacherCommand.class, StudentCommand.class, MonitorCommand.class,
        ServeCommand.class, TopicsCommand.class, StatusCommand.class,
        EvaluateCommand.class, ProduceCommand.class, BrokerCommand.class, ConfigCommand.class})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command line and answers the exit code (for tests and embedding). */
    public static int run(String... args) {
        return run(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
    }

    /** Runs the command line with the given output and error writers. */
    public static int run(PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = new CommandLine(new Main());
        cli.setOut(out);
        cli.setErr(err);
        cli.setExecutionExceptionHandler(Main::onError);
        return cli.execute(args);
    }

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    private static int onError(Exception e, CommandLine cli, CommandLine.ParseResult parsed) {
        PrintWriter err = cli.getErr();
        if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
            err.println("error: " + e.getMessage());
            return 2;
        }
        String kafka = kafkaError(e);
        if (kafka != null) {
            err.println("error: " + kafka);
            return 1;
        }
        err.println("error: " + e);
        e.printStackTrace(err);
        return 1;
    }

    /**
     * What to tell the user when the cluster refused or never answered (Kafka's {@link ApiException}s: no broker at
     * the bootstrap address, a topic not created yet, a missing ACL): its message without the stack trace, which
     * says nothing more about the cluster; {@code null} for any other failure.
     */
    static String kafkaError(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return "Kafka did not answer in time (" + t.getMessage() + "): check --bootstrap-servers "
                    + "(or kafka.bootstrap.servers) and that a broker is reachable there";
            }
            if (t instanceof ApiException) {
                return t.getMessage();
            }
        }
        return null;
    }
}
