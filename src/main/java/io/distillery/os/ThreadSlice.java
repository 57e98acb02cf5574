package io.distillery.os;

import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks Linux for a short scheduling slice for the calling thread (or the threads of this process with a given
 * name): {@code sched_setattr(2)} with {@code SCHED_OTHER}, the thread's nice value unchanged and
 * {@code sched_runtime} set to the slice. Since Linux 6.12 the fair scheduler (EEVDF) uses it as the thread's
 * time slice, and a woken thread with a shorter slice than the running one preempts it at once instead of
 * waiting for the running thread's slice to end (the base slice: 0.7 ms times 1 + log2 of the cores, 1.4 ms on
 * 2 cores). A thread that answers requests and sleeps in between asks for a short slice so that a CPU burst of
 * another thread in the process (verifying a snapshot) does not hold it back. Nothing else changes: its share
 * of the CPU is the same.
 *
 * <p>Where it cannot be done (not Linux on x86-64 or aarch64, no {@code /proc/thread-self}, JNA cannot load the
 * C library, a kernel before 6.12 that keeps its own slice) it logs once and the thread keeps its slice.
 * Stateless; thread-safe.
 */
public final class ThreadSlice {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadSlice.class);
    /** The kernel's bounds on a fair task's requested slice (0.1 ms to 100 ms). */
    public static final long MIN_NANOS = 100_000;
    public static final long MAX_NANOS = 100_000_000;
    /** {@code struct sched_attr} as of Linux 4.13 ({@code SCHED_ATTR_SIZE_VER1}). */
    private static final int ATTR_SIZE = 56;
    private static final int OFFSET_POLICY = 4;
    private static final int OFFSET_NICE = 16;
    private static final int OFFSET_RUNTIME = 24;
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    /** The C library's {@code syscall(2)}, the way to {@code sched_setattr} and {@code sched_getattr}. */
    private interface C extends Library {
        long syscall(long number, long tid, Pointer attr, long sizeOrFlags, long flags);
    }

    /** Numbers of {@code sched_setattr} and {@code sched_getattr} on this machine, or null. */
    private record Calls(long set, long get) {
        static Calls of(String arch) {
            return switch (arch) {
                case "amd64", "x86_64" -> new Calls(314, 315);
                case "aarch64", "arm64" -> new Calls(274, 275);
                default -> null;
            };
        }
    }

    private ThreadSlice() {
    }

    /**
     * Asks for a slice of {@code nanos} for the calling thread.
     *
     * @param nanos between {@value #MIN_NANOS} and {@value #MAX_NANOS}
     * @return whether the kernel now reports that slice for the thread
     */
    public static boolean requestForCurrent(long nanos) {
        check(nanos);
        try {
            return request(currentTid(), nanos);
        } catch (IOException | UnsupportedOperationException e) {
            warnOnce(Thread.currentThread().getName() + ": " + e.getMessage());
            return false;
        }
    }

    /**
     * Asks for a slice of {@code nanos} for each of this process's threads named {@code prefix} that is not in
     * {@code before}, waiting up to {@code waitMs} for at least one to appear: for a thread just started by code
     * that is not ours (the JVM names a thread in the kernel only once it runs).
     *
     * @return how many threads now have that slice (0 also where it cannot be done, logged once)
     */
    public static int requestForNewThreadsNamed(String prefix, Set<Integer> before, long nanos, long waitMs)
            throws InterruptedException {
        check(nanos);
        long end = System.nanoTime() + waitMs * 1_000_000;
        try {
            while (true) {
                List<Integer> fresh = threadsNamed(prefix).stream().filter(t -> !before.contains(t)).toList();
                if (!fresh.isEmpty() || System.nanoTime() > end) {
                    int done = 0;
                    for (int tid : fresh) {
                        done += request(tid, nanos) ? 1 : 0;
                    }
                    if (fresh.isEmpty()) {
                        warnOnce("no new thread named " + prefix + " within " + waitMs + " ms");
                    }
                    return done;
                }
                Thread.sleep(5);
            }
        } catch (IOException | UnsupportedOperationException e) {
            warnOnce("threads named " + prefix + ": " + e.getMessage());
            return 0;
        }
    }

    /** The slice the kernel reports for the calling thread, in nanoseconds (0 where it reports none). */
    public static long currentNanos() throws IOException {
        return nanosOf(currentTid());
    }

    /** The slice the kernel reports for the thread {@code tid} of this process, in nanoseconds. */
    public static long nanosOf(int tid) throws IOException {
        return attributes(c(), calls(), tid).getLong(OFFSET_RUNTIME);
    }

    /** Kernel ids of this process's threads whose kernel name starts with {@code prefix}. */
    public static List<Integer> threadsNamed(String prefix) throws IOException {
        List<Integer> ids = new ArrayList<>();
        try (var tasks = Files.list(Path.of("/proc/self/task"))) {
            for (Path task : tasks.toList()) {
                if (Files.readString(task.resolve("comm")).strip().startsWith(prefix)) {
                    ids.add(Integer.parseInt(task.getFileName().toString()));
                }
            }
        }
        return ids;
    }

    /** Whether this kernel's version is 6.12 or later, the first with slices per thread. */
    public static boolean kernelHasCustomSlices() {
        Matcher m = Pattern.compile("^(\\d+)\\.(\\d+)").matcher(System.getProperty("os.version", ""));
        if (!m.find()) {
            return false;
        }
        int major = Integer.parseInt(m.group(1));
        return major > 6 || major == 6 && Integer.parseInt(m.group(2)) >= 12;
    }

    private static boolean request(int tid, long nanos) throws IOException {
        Calls calls = calls();
        C c;
        try {
            c = c();
        } catch (LinkageError e) {
            throw new UnsupportedOperationException("no C library through JNA: " + e);
        }
        Memory attr = attributes(c, calls, tid);
        int policy = attr.getInt(OFFSET_POLICY);
        if (policy != 0) {
            throw new UnsupportedOperationException("thread " + tid + " is not SCHED_OTHER (policy " + policy + ")");
        }
        int nice = attr.getInt(OFFSET_NICE);
        attr.clear();
        attr.setInt(0, ATTR_SIZE);
        attr.setInt(OFFSET_NICE, nice);
        attr.setLong(OFFSET_RUNTIME, nanos);
        if (c.syscall(calls.set(), tid, attr, 0, 0) != 0) {
            throw new IOException("sched_setattr failed: errno " + Native.getLastError());
        }
        if (attributes(c, calls, tid).getLong(OFFSET_RUNTIME) != nanos) {
            throw new UnsupportedOperationException("the kernel (" + System.getProperty("os.version")
                + ") keeps its own slice; custom slices need Linux 6.12 or later");
        }
        return true;
    }

    /** {@code sched_getattr} of thread {@code tid}: its {@code struct sched_attr}. */
    private static Memory attributes(C c, Calls calls, int tid) throws IOException {
        Memory attr = new Memory(ATTR_SIZE);
        attr.clear();
        if (c.syscall(calls.get(), tid, attr, ATTR_SIZE, 0) != 0) {
            throw new IOException("sched_getattr failed: errno " + Native.getLastError());
        }
        return attr;
    }

    private static C c() {
        return Native.loadLibrary("c", C.class);
    }

    private static Calls calls() {
        if (!System.getProperty("os.name", "").toLowerCase(Locale.ROOT).contains("linux")) {
            throw new UnsupportedOperationException("not Linux");
        }
        Calls calls = Calls.of(System.getProperty("os.arch", ""));
        if (calls == null) {
            throw new UnsupportedOperationException("no sched_setattr number for " + System.getProperty("os.arch"));
        }
        return calls;
    }

    /** The kernel's id of the calling thread: {@code /proc/thread-self} links to {@code PID/task/TID}. */
    static int currentTid() throws IOException {
        Path self = Path.of("/proc/thread-self");
        if (!Files.exists(self)) {
            throw new UnsupportedOperationException("no /proc/thread-self");
        }
        return Integer.parseInt(Files.readSymbolicLink(self).getFileName().toString());
    }

    private static void check(long nanos) {
        if (nanos < MIN_NANOS || nanos > MAX_NANOS) {
            throw new IllegalArgumentException("slice must be in [" + MIN_NANOS + ", " + MAX_NANOS + "] ns, was "
                + nanos);
        }
    }

    private static void warnOnce(String why) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("threads keep the kernel's time slice: {}", why);
        }
    }
}
