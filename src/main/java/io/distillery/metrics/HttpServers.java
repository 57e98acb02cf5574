package io.distillery.metrics;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Every HTTP server of the process (the serving API, each role's {@code /health} and {@code /metrics}) is
 * a JDK {@link HttpServer} made here, with the limits a slow or hostile client needs.
 *
 * <p>The JDK server reads a request's line and headers on a thread of its executor, blocking; a client that
 * sends one byte and stalls holds that thread. So: (1) each server has a pool of its own, up to
 * {@code maxThreads}, with no queue (a connection that finds every thread busy is closed at once rather
 * than waiting behind stalled ones); (2) the JDK closes a connection whose request has not been read and
 * answered within {@value #REQUEST_TIMEOUT_S} s ({@code sun.net.httpserver.maxReqTime}) or whose answer has
 * not been written within {@value #RESPONSE_TIMEOUT_S} s ({@code sun.net.httpserver.maxRspTime}), checked
 * once a second; (3) {@code TCP_NODELAY} on ({@code sun.net.httpserver.nodelay}: without it each keep-alive
 * request waits ~40 ms on Nagle and delayed ACK). The JDK reads these properties once, when its first
 * server starts, for the whole JVM: they are set here, before any server, unless the command line set them
 * ({@code deploy/jvm.options} does).
 */
public final class HttpServers {
    /** Seconds a request may take from its first byte to its answer's headers. */
    public static final int REQUEST_TIMEOUT_S = 10;
    /** Seconds an answer may take to be written. */
    public static final int RESPONSE_TIMEOUT_S = 10;

    static {
        setIfAbsent("sun.net.httpserver.maxReqTime", Integer.toString(REQUEST_TIMEOUT_S));
        setIfAbsent("sun.net.httpserver.maxRspTime", Integer.toString(RESPONSE_TIMEOUT_S));
        setIfAbsent("sun.net.httpserver.nodelay", "true");
    }

    private HttpServers() {
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * A server bound to {@code host:port} (not started) on a pool of its own: {@code coreThreads} kept,
     * up to {@code maxThreads}, daemon threads named {@code name-N}.
     *
     * @throws IOException when the address cannot be bound
     */
    public static HttpServer create(String host, int port, int coreThreads, int maxThreads, String name)
            throws IOException {
        return create(host, port, coreThreads, maxThreads, name, () -> { });
    }

    /** As above, each pool thread running {@code onStart} first (on itself), e.g. to set its scheduling. */
    public static HttpServer create(String host, int port, int coreThreads, int maxThreads, String name,
                                    Runnable onStart) throws IOException {
        HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 128);
        AtomicInteger n = new AtomicInteger();
        server.setExecutor(new ThreadPoolExecutor(coreThreads, maxThreads, 30, TimeUnit.SECONDS,
            new SynchronousQueue<>(), r -> {
                Thread t = new Thread(() -> {
                    onStart.run();
                    r.run();
                }, name + "-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            }));
        return server;
    }

    /** Stops the server at once and its pool. */
    public static void stop(HttpServer server) {
        // stop(0): the JDK 17 server otherwise waits out the whole delay even when idle
        server.stop(0);
        if (server.getExecutor() instanceof ExecutorService pool) {
            pool.shutdownNow();
        }
    }
}
