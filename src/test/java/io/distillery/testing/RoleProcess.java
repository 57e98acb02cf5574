package io.distillery.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.MatchResult;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One role of the service run as a child JVM from the shaded jar ({@code target/distillery.jar}, built
 * by {@code mvn package} before Failsafe runs), as an orchestrator would run it: the JVM flags of
 * {@code deploy/jvm.options} plus a smaller heap, the settings as {@code --set} flags, stdout and stderr
 * appended to one log file per incarnation. It can be killed with SIGKILL and started again; an exit
 * that was not our kill is recorded in {@link #unexpectedExits()}.
 *
 * <p>Thread-safe: start, kill and close may be called from any thread.
 */
public final class RoleProcess implements AutoCloseable {
    /** Exit status of a JVM killed by SIGKILL (128 + 9). */
    public static final int SIGKILL_EXIT = 137;
    /** Lines of a role's log quoted in a failure message, of each kind (see {@link #excerpt}). */
    private static final int EXCERPT_LINES = 12;
    private static final Pattern FAILURE_LINE =
        Pattern.compile("^error: | ERROR |Exception|^Caused by: |A fatal error has been detected|^# Problematic frame");
    private static final Pattern FULL_LOG = Pattern.compile("^full log: (.+)$", Pattern.MULTILINE);

    private final String name;
    private final List<String> command;
    private final Path logDir;
    private final List<String> unexpectedExits = new CopyOnWriteArrayList<>();
    private final Set<Long> killedPids = ConcurrentHashMap.newKeySet();
    private Process process;
    private Path log;
    private int incarnation;
    private int kills;

    /**
     * @param name a short name for logs, e.g. {@code emitter-0}
     * @param args the subcommand and its options, e.g. {@code teacher --only emitter}
     * @param settings passed as {@code --set key=value}
     * @param logDir where {@code <name>.<incarnation>.log} files go
     */
    public RoleProcess(String name, List<String> args, Map<String, String> settings, Path logDir) {
        this(name, List.of(), args, settings, logDir);
    }

    /** As {@link #RoleProcess(String, List, Map, Path)}, with JVM flags after the default ones (a later one wins). */
    public RoleProcess(String name, List<String> jvmFlags, List<String> args, Map<String, String> settings,
                       Path logDir) {
        this.name = name;
        this.logDir = logDir;
        List<String> c = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "@" + Path.of("deploy", "jvm.options").toAbsolutePath(), "-Xmx512m"));
        c.addAll(jvmFlags);
        c.addAll(List.of("-jar", jar().toString()));
        c.addAll(args);
        settings.forEach((k, v) -> c.addAll(List.of("--set", k + "=" + v)));
        this.command = List.copyOf(c);
    }

    /** The shaded jar; fails clearly when it has not been built. */
    public static Path jar() {
        Path jar = Path.of("target", "distillery.jar").toAbsolutePath();
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: run mvn package (or mvn verify) first");
        }
        return jar;
    }

    public String name() {
        return name;
    }

    /** Starts a new incarnation; the previous one must have exited. */
    public synchronized RoleProcess start() {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException(name + " is already running");
        }
        incarnation++;
        Path log = logDir.resolve(name + "." + incarnation + ".log");
        this.log = log;
        try {
            Files.createDirectories(logDir);
            ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            b.environment().put("OMP_NUM_THREADS", "1");
            Process p = b.start();
            process = p;
            p.onExit().thenAccept(done -> onExit(done, log));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    private void onExit(Process done, Path log) {
        if (!killedPids.contains(done.pid())) {
            unexpectedExits.add(name + " (pid " + done.pid() + ") exited on its own with status " + done.exitValue()
                + "; see " + log + "\n" + excerpt(log, EXCERPT_LINES));
        }
    }

    /**
     * Kills the running incarnation with SIGKILL and waits for it to be gone.
     *
     * @return its exit status ({@link #SIGKILL_EXIT} when the signal killed it)
     */
    public int kill() throws InterruptedException {
        Process p = ending();
        synchronized (this) {
            kills++;
        }
        p.destroyForcibly(); // SIGKILL on Linux (ProcessHandleImpl.destroy0 with force)
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException(name + " (pid " + p.pid() + ") did not die within 30 s of SIGKILL");
        }
        return p.exitValue();
    }

    /** The running incarnation, its coming exit marked as ours (not unexpected). */
    private synchronized Process ending() {
        Process p = process;
        if (p == null || !p.isAlive()) {
            throw new IllegalStateException(name + " is not running");
        }
        killedPids.add(p.pid());
        return p;
    }

    /**
     * Stops the running incarnation as Ctrl-C or {@code docker stop} does (SIGTERM) and waits for it to exit.
     *
     * @return its exit status
     * @throws IllegalStateException when it is still running after the timeout
     */
    public int stop(Duration timeout) throws InterruptedException {
        Process p = ending();
        p.destroy(); // SIGTERM on Linux
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " (pid " + p.pid() + ") still running " + timeout + " after SIGTERM"
                + "; see " + log);
        }
        return p.exitValue();
    }

    /**
     * Waits until the running incarnation's output contains {@code fragment} (a sign of progress, such as
     * a log line), polling its log file.
     *
     * @throws IllegalStateException when it does not appear within the timeout, or the process exits
     */
    public void awaitOutput(String fragment, Duration timeout) throws InterruptedException {
        await(Pattern.compile(Pattern.quote(fragment)), "'" + fragment + "'", timeout);
    }

    /**
     * Waits until a line of the running incarnation's output matches {@code pattern}, and returns the first match, such
     * as a port the role chose itself and printed.
     *
     * @throws IllegalStateException when none does within the timeout, or the process exits
     */
    public MatchResult awaitOutput(Pattern pattern, Duration timeout) throws InterruptedException {
        return await(pattern, "a match of /" + pattern + "/", timeout);
    }

    private MatchResult await(Pattern pattern, String shown, Duration timeout) throws InterruptedException {
        Path file;
        Process p;
        synchronized (this) {
            file = log;
            p = process;
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(text(file));
            if (m.find()) {
                return m.toMatchResult();
            }
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(name + " did not print " + shown + " within " + timeout
                    + (p.isAlive() ? "" : " (it exited with status " + p.exitValue() + ")") + "; see " + file
                    + "\n" + excerpt(file, EXCERPT_LINES));
            }
            Thread.sleep(200);
        }
    }

    /** A log's text so far, decoded leniently (a crashing JVM's last bytes need not be whole characters). */
    private static String text(Path file) {
        try {
            return Files.exists(file) ? new String(Files.readAllBytes(file), StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * What a failure message quotes of a role's log, since a CI run shows the message and not the file: the last
     * {@code n} lines that name a failure (an {@code error:} line, a logged error, exceptions and their causes, a JVM's
     * fatal error), then the last {@code n} lines; and the same of the full log the console names, if any (the demo
     * prints only its progress and writes its full log to a file, {@code full log: <path>}).
     */
    static String excerpt(Path file, int n) {
        String text = quotable(file);
        Matcher full = FULL_LOG.matcher(text);
        return lines(text, n) + (full.find()
            ? "\nof its full log " + full.group(1) + ":\n" + lines(quotable(Path.of(full.group(1))), n) : "");
    }

    private static String quotable(Path file) {
        try {
            return text(file);
        } catch (UncheckedIOException e) {
            return "(unreadable: " + e.getCause() + ")";
        }
    }

    private static String lines(String text, int n) {
        List<String> lines = text.lines().toList();
        List<String> failures = lines.stream().filter(l -> FAILURE_LINE.matcher(l).find()).toList();
        failures = failures.subList(Math.max(0, failures.size() - n), failures.size());
        List<String> last = lines.subList(Math.max(0, lines.size() - n), lines.size());
        return (failures.isEmpty() ? "" : "failure lines:\n" + String.join("\n", failures) + "\n")
            + "last lines:\n" + String.join("\n", last);
    }

    /**
     * Waits for a role that ends by itself ({@code produce}) to exit, and returns its status; such an exit
     * is still listed in {@link #unexpectedExits()}.
     *
     * @throws IllegalStateException when it is still running after the timeout
     */
    public int awaitExit(Duration timeout) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new IllegalStateException(name + " still running after " + timeout + "; see " + log);
        }
        return p.exitValue();
    }

    public synchronized boolean isAlive() {
        return process != null && process.isAlive();
    }

    public synchronized int kills() {
        return kills;
    }

    public synchronized int incarnations() {
        return incarnation;
    }

    /** Exits we did not cause, each with its status and log file. */
    public List<String> unexpectedExits() {
        return List.copyOf(unexpectedExits);
    }

    /** Kills the running incarnation, if any, without recording it as unexpected. */
    @Override
    public void close() {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p != null && p.isAlive()) {
            killedPids.add(p.pid());
            p.destroyForcibly();
            try {
                p.waitFor(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
