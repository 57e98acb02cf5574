package io.distillery.app;

import io.distillery.config.ConfigException;
import io.distillery.os.BlasKernels;
import io.distillery.os.TempLeftovers;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine;

/**
 * The one entry point: {@code distillery <command>}. Each role is a subcommand; {@code --help} on each.
 * Exit codes: 0 success, 1 a check failed or the role failed (Kafka refusing or silent, an I/O failure), 2 bad usage
 * or configuration (a missing or unreadable input file included).
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
        // what this command's killed predecessors left in java.io.tmpdir (not in run(): tests call that)
        TempLeftovers.sweepTmpdir();
        BlasKernels.warnIfUnchosen();
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
        Failure known = explain(e);
        if (known != null) {
            err.println("error: " + known.message());
            return known.exit();
        }
        err.println("error: " + e);
        e.printStackTrace(err);
        return 1;
    }

    /** A failure the user can act on: what to print after {@code error: }, and the exit code. */
    record Failure(String message, int exit) {
    }

    /**
     * The failures whose stack trace says nothing more to the user, as one sentence: bad usage or configuration
     * (exit 2), a file that is missing or not readable (2), Kafka's refusals and silences (no broker at the
     * bootstrap address, a topic not created yet, a missing ACL: exit 1) and other I/O failures (1); {@code null}
     * for the rest, which are printed with their stack trace.
     */
    static Failure explain(Throwable e) {
        if (e instanceof ConfigException || e instanceof IllegalArgumentException) {
            return new Failure(e.getMessage(), 2);
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TimeoutException) {
                return new Failure("Kafka did not answer in time (" + t.getMessage() + "): check --bootstrap-servers "
                    + "(or kafka.bootstrap.servers) and that a broker is reachable there", 1);
            }
            if (t instanceof ApiException) {
                return new Failure(t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName(), 1);
            }
            if (t instanceof NoSuchFileException missing) {
                return new Failure("no such file: " + missing.getFile(), 2);
            }
            if (t instanceof AccessDeniedException denied) {
                return new Failure("permission denied: " + denied.getFile(), 2);
            }
        }
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof IOException io && io.getMessage() != null) {
                return new Failure(io.getMessage(), 1);
            }
        }
        return null;
    }
}
