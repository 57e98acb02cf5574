package io.distillery.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import io.distillery.testing.ExternalTool;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/**
 * deploy/native-env.sh, the one place of the native libraries' environment: the OpenBLAS kernels it picks from a
 * CPU's flags, what it leaves alone, and everything that runs the JVM taking it from there (the launcher, the
 * benchmarks, the test command and the container image's entrypoint, deploy/launch, run here with a stand-in java).
 */
class NativeEnvTest {
    private static final String AVX512 =
        "fpu sse2 avx avx2 fma avx512f avx512dq avx512cd avx512bw avx512vl avx512_bf16";
    private static final String AVX2 = "fpu sse2 avx avx2 fma";
    private final Path root = ExternalTool.projectRoot();

    @TempDir
    Path tmp;

    @Test
    void shouldPickOpenBlasKernelsFromTheInstructionsTheCpuHas() throws Exception {
        assertThat(env(AVX512, Map.of())).containsExactly("OMP_NUM_THREADS=1", "OPENBLAS_CORETYPE=SkylakeX");
        assertThat(env(AVX2, Map.of())).containsExactly("OMP_NUM_THREADS=1", "OPENBLAS_CORETYPE=Haswell");
        assertThat(env("fpu sse2 avx avx2", Map.of())).as("AVX2 without FMA: OpenBLAS decides")
            .containsExactly("OMP_NUM_THREADS=1", "OPENBLAS_CORETYPE=");
        assertThat(env("fpu sse2 avx512f avx2 fma", Map.of())).as("AVX-512 without BW, DQ, CD, VL: the AVX2 kernels")
            .containsExactly("OMP_NUM_THREADS=1", "OPENBLAS_CORETYPE=Haswell");
    }

    @Test
    void shouldLeaveTheChoiceToOpenBlasWhereCpuinfoHasNoFlagsEvenInAStrictScript() throws Exception {
        Path arm = Files.writeString(tmp.resolve("cpuinfo-arm"), "processor\t: 0\nFeatures\t: fp asimd\n");
        assertThat(run(List.of("bash", "-c", "set -euo pipefail; . " + root.resolve("deploy/native-env.sh")
            + "; echo \"OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}\""), Map.of("DISTILL_CPUINFO", arm.toString())))
            .containsExactly("OPENBLAS_CORETYPE=");
    }

    @Test
    void shouldLeaveWhatTheEnvironmentAlreadySets() throws Exception {
        assertThat(env(AVX512, Map.of("OPENBLAS_CORETYPE", "Zen", "OMP_NUM_THREADS", "2")))
            .containsExactly("OMP_NUM_THREADS=2", "OPENBLAS_CORETYPE=Zen");
    }

    @Test
    void shouldStartTheContainersJvmWithTheFlagsAndEnvironmentOfTheirOnePlace() throws Exception {
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Path java = bin.resolve("java");
        Files.writeString(java, "#!/bin/sh\necho \"env $OMP_NUM_THREADS $OPENBLAS_CORETYPE\"\necho \"args $*\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path deploy = root.resolve("deploy");

        List<String> out = run(List.of(deploy.resolve("launch").toString(), "serve", "--set", "a=b"),
            Map.of("PATH", bin + ":/usr/bin:/bin", "DISTILL_CPUINFO", cpuinfo(AVX512).toString()));

        assertThat(out).containsExactly("env 1 SkylakeX", "args @" + deploy.resolve("jvm.options")
            + " -cp @/app/jib-classpath-file io.distillery.app.Main serve --set a=b");
    }

    @Test
    void shouldBeWhatTheImageTheLauncherTheBenchmarksAndTheTestsAllTakeItFrom() throws Exception {
        Document pom = DocumentBuilderFactory.newInstance().newDocumentBuilder()
            .parse(root.resolve("pom.xml").toFile());
        assertThat(pom.getElementsByTagName("entrypoint").item(0).getTextContent()).isEqualTo("/opt/distillery/launch");
        assertThat(pom.getElementsByTagName("includes").item(0).getTextContent().trim().split("\\s+"))
            .containsExactly("jvm.options", "native-env.sh", "launch");
        assertThat(pom.getElementsByTagName("permission").item(0).getTextContent().replaceAll("\\s+", " ").trim())
            .isEqualTo("/opt/distillery/launch 755");
        for (String script : List.of("distillery", "run-tests", "bench/run", "bench/serve.sh", "bench/feedback.sh",
                "bench/memory.sh", "deploy/launch")) {
            String text = Files.readString(root.resolve(script));
            assertThat(text).as(script).containsPattern("(?m)^\\. \\S*native-env\\.sh\"?$")
                .doesNotContain("OMP_NUM_THREADS");
        }
    }

    /** OMP_NUM_THREADS and OPENBLAS_CORETYPE after sourcing native-env.sh on a CPU with these flags. */
    private List<String> env(String flags, Map<String, String> preset) throws Exception {
        Map<String, String> env = new java.util.HashMap<>(preset);
        env.put("DISTILL_CPUINFO", cpuinfo(flags).toString());
        return run(List.of("sh", "-c", ". " + root.resolve("deploy/native-env.sh")
            + "; echo OMP_NUM_THREADS=$OMP_NUM_THREADS; echo OPENBLAS_CORETYPE=${OPENBLAS_CORETYPE:-}"), env);
    }

    private Path cpuinfo(String flags) throws IOException {
        Path f = Files.createTempFile(tmp, "cpuinfo", "");
        Files.writeString(f, "processor\t: 0\nmodel\t\t: 207\nflags\t\t: " + flags + "\n\nprocessor\t: 1\n");
        return f;
    }

    /** Runs a command with exactly this environment (plus PATH) and returns its output lines. */
    private static List<String> run(List<String> command, Map<String, String> env) throws Exception {
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true);
        b.environment().clear();
        b.environment().put("PATH", "/usr/bin:/bin");
        b.environment().putAll(env);
        Process p = b.start();
        List<String> lines = new ArrayList<>(
            new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().toList());
        if (!p.waitFor(30, TimeUnit.SECONDS)) {
            p.destroyForcibly();
        }
        assertThat(p.exitValue()).as("exit of %s: %s", command, lines).isZero();
        return lines;
    }
}
