package io.distillery.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A command-line tool a test needs (kubectl, promtool, Debian's python3 with the onnx module). When it
 * is missing the test fails with the install command, never skips: CI must install it (see run-tests).
 */
public final class ExternalTool {
    /** Output and exit code of one run. */
    public record Result(int exitCode, String output) {
    }

    private final String name;
    private final String installHint;

    /**
     * @param name        a command looked up on the PATH, or an absolute path to an executable
     * @param installHint how to install it, shown when it is missing
     */
    public ExternalTool(String name, String installHint) {
        this.name = name;
        this.installHint = installHint;
    }

    public static ExternalTool kubectl() {
        return new ExternalTool("kubectl", "apt-get install -y kubectl (Debian: kubernetes-client), "
            + "any kubectl >= 1.21 with built-in kustomize");
    }

    public static ExternalTool promtool() {
        return new ExternalTool("promtool", "apt-get update && apt-get install -y prometheus");
    }

    /**
     * Debian's interpreter, which sees Debian's {@code python3-onnx} and {@code python3-numpy}; a
     * {@code python3} found earlier on the PATH (pyenv, a virtualenv) may not.
     */
    public static ExternalTool debianPython3() {
        return new ExternalTool("/usr/bin/python3", "apt-get update && apt-get install -y python3-onnx");
    }

    /** How to install the tool (for failure messages of a run that needs more than the executable). */
    public String installHint() {
        return installHint;
    }

    /** Runs the tool in {@code dir} and returns its output; fails the test if it cannot be found or hangs. */
    public Result run(Path dir, String... args) {
        return runWithInput(dir, null, args);
    }

    /** As {@link #run}, with standard input read from {@code input} ({@code null}: none). */
    public Result runWithInput(Path dir, Path input, String... args) {
        Path exe = locate();
        List<String> command = new ArrayList<>();
        command.add(exe.toString());
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true);
            if (input != null) {
                pb.redirectInput(input.toFile());
            }
            Process p = pb.start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                fail(name + " did not finish within 60 s: " + command);
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return fail("could not run " + command + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return fail("interrupted while running " + command);
        }
    }

    /** Like {@link #run} but fails the test, with the tool's output, unless it exits 0. */
    public String runOk(Path dir, String... args) {
        Result r = run(dir, args);
        if (r.exitCode() != 0) {
            fail(name + " " + String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }

    private Path locate() {
        if (Path.of(name).isAbsolute()) {
            return Files.isExecutable(Path.of(name)) ? Path.of(name)
                : fail(name + " is missing; this test needs it. Install it with: " + installHint);
        }
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(File.pathSeparator)) {
            Path candidate = Path.of(dir, name);
            if (!dir.isEmpty() && Files.isExecutable(candidate)) {
                return candidate;
            }
        }
        return fail(name + " is not on the PATH; this test needs it. Install it with: " + installHint);
    }

    /** The project's root folder (Maven runs tests there). */
    public static Path projectRoot() {
        Path p = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (!Files.exists(p.resolve("pom.xml"))) {
            fail("cannot find the project root (pom.xml) from " + p);
        }
        return p;
    }
}
