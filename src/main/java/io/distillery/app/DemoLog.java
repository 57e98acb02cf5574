package io.distillery.app;

import io.distillery.os.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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
        List<IOException> failures = FileTrees.delete(dir);
        if (!failures.isEmpty()) {
            UncheckedIOException e = new UncheckedIOException("cannot delete " + failures.size() + " paths under "
                + dir, failures.get(0));
            failures.stream().skip(1).forEach(e::addSuppressed);
            throw e;
        }
    }
}
