package io.distillery.service;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the scheduling priority of the calling thread alone (Linux: the nice value is per thread, and any
 * thread may raise its own without privileges). A background thread with bursts of CPU work (verifying and
 * loading a snapshot) then no longer holds a core for a whole time slice while a request thread waits: the
 * scheduler lets a woken request thread preempt it. Java's own thread priorities have no effect on Linux.
 *
 * <p>Where it cannot be done (not Linux, no {@code /proc/thread-self}, no C library through JNA) it logs once
 * and the thread keeps its priority.
 */
public final class ThreadNice {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadNice.class);
    private static final int PRIO_PROCESS = 0;

    /** The C library's {@code setpriority(2)}. */
    private interface C extends Library {
        int setpriority(int which, int who, int prio);
    }

    private ThreadNice() {
    }

    /**
     * Sets the calling thread's nice value to {@code nice} (1..19; 0 leaves it as it is).
     *
     * @return whether the thread now runs at that nice value
     */
    public static boolean lowerCurrent(int nice) {
        if (nice < 0 || nice > 19) {
            throw new IllegalArgumentException("nice must be in [0, 19], was " + nice);
        }
        if (nice == 0) {
            return false;
        }
        try {
            int tid = currentTid();
            C c = Native.loadLibrary("c", C.class);
            if (c.setpriority(PRIO_PROCESS, tid, nice) != 0) {
                LOG.warn("thread {} keeps its priority: setpriority failed (errno {})",
                    Thread.currentThread().getName(), Native.getLastError());
                return false;
            }
            return true;
        } catch (IOException | UnsupportedOperationException | LinkageError e) {
            LOG.warn("thread {} keeps its priority: {}", Thread.currentThread().getName(), e.toString());
            return false;
        }
    }

    /** The calling thread's nice value as the kernel reports it, from {@code /proc/thread-self/stat}. */
    public static int currentNice() throws IOException {
        String stat = Files.readString(Path.of("/proc/thread-self/stat"));
        // fields after the command name, which is in parentheses and may contain spaces
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Integer.parseInt(f[16]);
    }

    /** The kernel's id of the calling thread: {@code /proc/thread-self} links to {@code PID/task/TID}. */
    static int currentTid() throws IOException {
        Path self = Path.of("/proc/thread-self");
        if (!Files.exists(self)) {
            throw new UnsupportedOperationException("no /proc/thread-self (not Linux)");
        }
        return Integer.parseInt(Files.readSymbolicLink(self).getFileName().toString());
    }
}
