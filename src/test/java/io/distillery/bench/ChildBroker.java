package io.distillery.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The {@code broker} subcommand in a child JVM of this one's classpath, at Linux nice 19: a benchmark of one
 * role then measures that role's own cost, as in a deployment where the broker runs on other machines; on one
 * small box the broker's threads would otherwise compete with the role's at the same priority. Logs go to
 * {@code broker.log} in its data directory. {@link #close()} stops it and its descendants.
 */
final class ChildBroker implements AutoCloseable {
    private final Process process;
    private final int port;

    private ChildBroker(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts the broker on a free loopback port with its data in {@code dir}; waits until it is ready. */
    static ChildBroker start(Path dir) throws IOException, InterruptedException {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        List<String> command = new ArrayList<>(List.of("nice", "-n", "19",
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "@" + Path.of("deploy", "jvm.options").toAbsolutePath(), "-Xmx768m",
            "-cp", System.getProperty("java.class.path"), "io.distillery.app.Main", "broker",
            "--port", Integer.toString(port), "--data-dir", dir.resolve("data").toString()));
        Files.createDirectories(dir);
        ProcessBuilder b = new ProcessBuilder(command).redirectErrorStream(true)
            .redirectOutput(dir.resolve("broker.log").toFile());
        b.environment().put("OMP_NUM_THREADS", "1");
        ChildBroker broker = new ChildBroker(b.start(), port);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
        while (!broker.ready(dir.resolve("broker.log"))) {
            if (!broker.process.isAlive() || System.nanoTime() > deadline) {
                broker.close();
                throw new IllegalStateException("the child broker did not start within 90 s; see "
                    + dir.resolve("broker.log"));
            }
            Thread.sleep(200);
        }
        return broker;
    }

    String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    /** The broker command prints its ready line once clients can connect. */
    private boolean ready(Path log) throws IOException {
        return Files.exists(log) && Files.readString(log).contains("Kafka broker ready");
    }

    @Override
    public void close() throws InterruptedException {
        process.descendants().forEach(ProcessHandle::destroy);
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.descendants().forEach(ProcessHandle::destroyForcibly);
            process.destroyForcibly();
            process.waitFor(30, TimeUnit.SECONDS);
        }
    }
}
