package io.distillery.app;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.logging.log4j.core.config.Configurator;

/** The demo's logging (log4j2-demo.xml): every line to a file, the events that matter to the console. */
final class DemoLog {
    static final String FILE_PROPERTY = "distill.demo.log";

    private DemoLog() {
    }

    /** Switches logging to the demo's configuration; returns the log file. */
    static Path start() throws IOException {
        Path log = Files.createTempFile("distill-demo-", ".log");
        System.setProperty(FILE_PROPERTY, log.toString());
        try {
            Configurator.reconfigure(DemoLog.class.getResource("/log4j2-demo.xml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException("log4j2-demo.xml has no URI", e);
        }
        return log;
    }

    /** Deletes a directory and everything under it; a missing directory is fine. */
    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> all = Files.walk(dir)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete " + dir, e);
        }
    }
}
