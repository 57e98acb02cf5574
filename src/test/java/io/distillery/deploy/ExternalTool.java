package io.distillery.deploy;

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
 * A command-line tool the deployment tests need (kubectl, promtool). When it is not on the PATH the
 * test fails with the install command, never skips: CI must install it (see .ci/run).
 */
final class ExternalTool {
    /** Output and exit code of one run. */
    record Result(int exitCode, String output) {
    }

    private final String name;
    private final String installHint;

    ExternalTool(String name, String installHint) {
        this.name = name;
        this.installHint = installHint;
    }

    static ExternalTool kubectl() {
        return new ExternalTool("kubectl", "apt-get install -y kubectl (Debian: kubernetes-client), "
            + "any kubectl >= 1.21 with built-in kustomize");
    }

    static ExternalTool promtool() {
        return new ExternalTool("promtool", "apt-get update && apt-get install -y prometheus");
    }

    /** Runs the tool in {@code dir} and returns its output; fails the test if it cannot be found or hangs. */
    Result run(Path dir, String... args) {
        return runWithInput(dir, null, args);
    }

    /** As {@link #run}, with standard input read from {@code input} ({@code null}: none). */
    Result runWithInput(Path dir, Path input, String... args) {
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
    String runOk(Path dir, String... args) {
        Result r = run(dir, args);
        if (r.exitCode() != 0) {
            fail(name + " " + String.join(" ", args) + " exited " + r.exitCode() + ":\n" + r.output());
        }
        return r.output();
    }

    private Path locate() {
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
    static Path projectRoot() {
        Path p = Path.of(System.getProperty("basedir", "")).toAbsolutePath();
        if (!Files.exists(p.resolve("pom.xml"))) {
            fail("cannot find the project root (pom.xml) from " + p);
        }
        return p;
    }
}
