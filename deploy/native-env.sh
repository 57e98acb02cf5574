# The native libraries' environment, in one place: sourced by ./distillery, the benchmarks, run-tests and the
# container image's entrypoint (deploy/launch). POSIX sh; each variable already set is left as it is.
#
# OMP_NUM_THREADS: one OpenMP/BLAS thread per training thread; training measured about 2.5x faster that way on a
# 2-core machine (docs/measurements.md).
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
#
# OPENBLAS_CORETYPE: the OpenBLAS that ND4J ships (0.3.19) picks its kernels by the CPU's family and model, and on a
# model newer than its table (an Intel Xeon of model 207 here) falls back to its SSE3 "Prescott" kernels: training
# steps measured 2-3x slower (docs/measurements.md). Its kernels are chosen here from the instructions the CPU has
# instead: the AVX-512 ones where it has AVX-512 (F, CD, BW, DQ, VL), else the AVX2 ones where it has AVX2 and FMA.
# (DISTILL_CPUINFO names another file to read the flags from, for tests.)
if [ -z "${OPENBLAS_CORETYPE:-}" ] && [ -r "${DISTILL_CPUINFO:-/proc/cpuinfo}" ]; then
  _distill_flags=" $(grep -m1 '^flags' "${DISTILL_CPUINFO:-/proc/cpuinfo}" | cut -d: -f2 || true) "
  _distill_has() {
    for _f in "$@"; do
      case "$_distill_flags" in *" $_f "*) ;; *) return 1 ;; esac
    done
  }
  if _distill_has avx512f avx512cd avx512bw avx512dq avx512vl; then
    export OPENBLAS_CORETYPE=SkylakeX
  elif _distill_has avx2 fma; then
    export OPENBLAS_CORETYPE=Haswell
  fi
  unset -f _distill_has
  unset _distill_flags _f
fi
