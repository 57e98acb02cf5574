package io.distillery.testing;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.junit.jupiter.api.Test;

class JdkHttpLogTest {
    @Test
    void shouldKeepTheServersAccountOfAConnectionItClosesAndRestoreItsLoggerAfter() throws Exception {
        Level before = Logger.getLogger("com.sun.net.httpserver").getLevel();
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 8);
        server.createContext("/", ex -> {
            ex.sendResponseHeaders(204, -1);
            ex.close();
        });
        server.start();
        Instant began = Instant.now();
        try (JdkHttpLog log = JdkHttpLog.start()) {
            // a connection closed before sending a request line: the server logs it at DEBUG and closes its end
            new Socket(InetAddress.getLoopbackAddress(), server.getAddress().getPort()).close();

            Await.until(() -> !log.keptSince(began).isEmpty(), "the server's account of the close",
                Duration.ofSeconds(10));
            assertThat(log.keptSince(began)).anyMatch(line -> line.contains("no request line: closing"));
            assertThat(log.keptSince(Instant.now().plusSeconds(60))).isEmpty();
        } finally {
            server.stop(0);
        }
        assertThat(Logger.getLogger("com.sun.net.httpserver").getLevel()).isEqualTo(before);
    }
}
