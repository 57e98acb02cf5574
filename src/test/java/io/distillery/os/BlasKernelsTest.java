package io.distillery.os;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BlasKernelsTest {
    private static final String AVX512 = "processor\t: 0\nmodel\t\t: 207\n"
        + "flags\t\t: fpu sse2 avx avx2 fma avx512f avx512bw\n\nprocessor\t: 1\n";

    @Test
    void shouldWarnWhenOpenBlasIsLeftToChooseOnACpuWithAvx2() {
        assertThat(BlasKernels.warning(Map.of(), AVX512.lines())).hasValueSatisfying(w -> assertThat(w)
            .startsWith("OPENBLAS_CORETYPE is not set").contains("source deploy/native-env.sh"));
        assertThat(BlasKernels.warning(Map.of("OPENBLAS_CORETYPE", " "), AVX512.lines())).as("blank is unset")
            .isPresent();
    }

    @Test
    void shouldSayNothingWhenTheKernelsAreChosenOrTheCpuHasNoAvx2() {
        assertThat(BlasKernels.warning(Map.of("OPENBLAS_CORETYPE", "SkylakeX"), AVX512.lines())).isEmpty();
        assertThat(BlasKernels.warning(Map.of(), "flags\t\t: fpu sse2 avx avx2\n".lines())).as("AVX2 without FMA")
            .isEmpty();
        assertThat(BlasKernels.warning(Map.of(), "processor\t: 0\nFeatures\t: fp asimd\n".lines())).as("no flags line")
            .isEmpty();
        assertThat(BlasKernels.warning(Map.of(), "".lines())).isEmpty();
    }
}
