package io.distillery.inference;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes ONNX Runtime's JVM shutdown hook out, so that a role stopped with SIGTERM closes its sessions first.
 *
 * <p>Why: {@code OrtEnvironment} (1.23) registers a shutdown hook that releases the native environment, and the JVM
 * runs shutdown hooks concurrently. A role's own hook (its {@code RoleRunner}) closes its loops and their ONNX
 * Runtime sessions at the same time; a session closed or run after the environment is gone aborts the process
 * ({@code Assertion 'get() != pointer()' failed} in {@code unique_ptr<onnxruntime::Environment>}, SIGABRT), and
 * the rest of the shutdown never happens: seen as a demo that, stopped, kept its broker's data. Without the hook
 * the environment is released by the native library's own destructor when the process exits, after every
 * shutdown hook has finished.
 *
 * <p>How: the hook is found among the JVM's registered hooks by the class of its task
 * ({@code OrtEnvironment$OrtEnvCloser}) and removed with {@link Runtime#removeShutdownHook}. Reading the hooks
 * needs {@code --add-opens java.base/java.lang=ALL-UNNAMED} ({@code deploy/jvm.options}); without it the hook
 * stays and a warning says so.
 */
final class OrtShutdown {
    private static final Logger LOG = LoggerFactory.getLogger(OrtShutdown.class);
    private static final String CLOSER = "ai.onnxruntime.OrtEnvironment$OrtEnvCloser";

    private OrtShutdown() {
    }

    /** Removes ONNX Runtime's shutdown hook, once its environment exists; never throws. */
    static void removeHook() {
        try {
            for (Thread hook : ortHooks()) {
                Runtime.getRuntime().removeShutdownHook(hook);
            }
        } catch (ReflectiveOperationException | RuntimeException e) {
            LOG.warn("ONNX Runtime's shutdown hook stays ({}): a SIGTERM may abort the process while it closes its "
                + "sessions; run with --add-opens java.base/java.lang=ALL-UNNAMED (deploy/jvm.options)", e.toString());
        }
    }

    /** The registered shutdown hooks whose task is ONNX Runtime's environment closer. */
    static List<Thread> ortHooks() throws ReflectiveOperationException {
        Class<?> hooksClass = Class.forName("java.lang.ApplicationShutdownHooks");
        Field hooksField = hooksClass.getDeclaredField("hooks");
        hooksField.setAccessible(true);
        Field target = Thread.class.getDeclaredField("target");
        target.setAccessible(true);
        List<Thread> threads;
        synchronized (hooksClass) {
            Map<?, ?> hooks = (Map<?, ?>) hooksField.get(null);
            threads = hooks == null ? List.of() : hooks.keySet().stream().map(Thread.class::cast).toList();
        }
        List<Thread> out = new ArrayList<>();
        for (Thread t : threads) {
            Object task = target.get(t);
            if (task != null && task.getClass().getName().equals(CLOSER)) {
                out.add(t);
            }
        }
        return out;
    }
}
