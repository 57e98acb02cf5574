package io.distillery.inference;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Run in a child JVM by {@link OrtNativesTest}: loads ONNX Runtime the way the roles do (through
 * {@link OnnxPredictor}'s environment), prints where the process mapped {@code libonnxruntime} from, the
 * value of {@code onnxruntime.native.path} and how many of ONNX Runtime's shutdown hooks are registered, then
 * waits to be killed.
 */
public final class OrtLoadProbe {
    private OrtLoadProbe() {
    }

    public static void main(String[] args) throws Exception {
        Class.forName(OnnxPredictor.class.getName(), true, OrtLoadProbe.class.getClassLoader());
        String mapped = Files.readAllLines(Path.of("/proc/self/maps")).stream()
            .filter(l -> l.endsWith("/" + System.mapLibraryName("onnxruntime")))
            .map(l -> l.substring(l.indexOf('/')))
            .findFirst().orElse("none");
        System.out.println("native.path=" + System.getProperty(OrtNatives.NATIVE_PATH));
        System.out.println("ortHooks=" + OrtShutdown.ortHooks().size());
        System.out.println("mapped=" + mapped);
        System.out.println("loaded");
        System.out.flush();
        Thread.sleep(60_000);
    }
}
