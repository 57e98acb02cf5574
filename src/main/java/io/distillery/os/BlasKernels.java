package io.distillery.os;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Says so when OpenBLAS, which runs ND4J's matrix products, is left to choose its kernels on a CPU with AVX2. The
 * OpenBLAS that ND4J ships (0.3.19) chooses by the CPU's family and model and runs its SSE3 kernels on models newer
 * than its table: training steps measured 2-3x slower on such a Xeon. {@code deploy/native-env.sh} chooses them from
 * the CPU's instructions ({@code OPENBLAS_CORETYPE}); {@code ./distillery}, the tests and the image's entrypoint
 * source it, so only a JVM started some other way is warned. The bindings do not expose which kernels OpenBLAS
 * took, so this cannot tell a CPU it knows from one it does not. Stateless.
 */
public final class BlasKernels {
    private static final Logger LOG = LoggerFactory.getLogger(BlasKernels.class);
    static final String CORETYPE = "OPENBLAS_CORETYPE";

    private BlasKernels() {
    }

    /**
     * Logs the warning, if any, for this process's environment and CPU; never throws. Reads {@code /proc/cpuinfo} only
     * when the kernels are not chosen, up to its first {@code flags} line.
     */
    public static void warnIfUnchosen() {
        Map<String, String> env = System.getenv();
        if (chosen(env)) {
            return;
        }
        try (Stream<String> cpuinfo = Files.lines(Path.of("/proc/cpuinfo"))) {
            warning(env, cpuinfo).ifPresent(LOG::warn);
        } catch (IOException | RuntimeException e) {
            // no cpuinfo to read (not Linux): nothing to say
        }
    }

    private static boolean chosen(Map<String, String> env) {
        String coretype = env.get(CORETYPE);
        return coretype != null && !coretype.isBlank();
    }

    /** The warning for a process with this environment on a CPU described by these {@code /proc/cpuinfo} lines. */
    static Optional<String> warning(Map<String, String> env, Stream<String> cpuinfo) {
        if (chosen(env)) {
            return Optional.empty();
        }
        Set<String> flags = cpuinfo.filter(l -> l.startsWith("flags")).findFirst()
            .map(l -> Arrays.stream(l.substring(l.indexOf(':') + 1).trim().split("\\s+")).collect(Collectors.toSet()))
            .orElse(Set.of());
        if (!flags.containsAll(Set.of("avx2", "fma"))) {
            return Optional.empty();
        }
        return Optional.of(CORETYPE + " is not set: on CPUs newer than it knows, the OpenBLAS of ND4J runs its SSE3 "
            + "kernels, and training takes 2-3x as long. Start Distillery with ./distillery or the image's entrypoint, "
            + "or source deploy/native-env.sh before java (it sets " + CORETYPE + " from this CPU's instructions).");
    }
}
