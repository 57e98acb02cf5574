package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.distillery.config.ServeSettings;
import io.distillery.metrics.HttpServers;
import io.distillery.os.ThreadSlice;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol v2 REST endpoints of one model, the admin endpoints and {@code /metrics},
 * on the JDK's HTTP server ({@link HttpServers}: up to {@code serve.http.threads} threads of its own, request
 * and response timeouts). {@code serve.threads} infer requests run at once, {@code serve.queue.size} more may
 * wait for a network copy, and beyond that an infer request is answered 503 at once ({@link InferEndpoint});
 * the health, metadata and metrics endpoints never wait for a copy, so they are answered while the model is
 * busy.
 *
 * <p>Each request is resolved to a {@link Route}, answered by its endpoint ({@link InferEndpoint},
 * {@link AdminApi}, {@link ModelDownload}, the metadata) and sent by {@link Exchanges}. Each infer request
 * reads the served model reference once and runs entirely on that model. A bad request is answered 4xx with
 * {@code {"error": "..."}} and touches nothing shared; an unexpected failure is answered 500 with only an
 * error id ({@code {"error": "internal error, id 3f9c…"}}) and logged at ERROR, with its stack trace, under
 * the same id. Every answer is counted by endpoint and status class.
 *
 * <p>The threads that read, compute and answer requests (the pool's and the JDK's dispatcher, which is named
 * {@value #DISPATCHER}: in this process every such dispatcher) ask Linux for a short time slice
 * ({@code serve.request.slice.us}, {@link ThreadSlice}): woken by a request, they preempt the snapshot
 * follower's verification of a new version at once instead of after its slice.
 */
final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    /** The JDK HTTP server's name for its dispatcher thread. */
    static final String DISPATCHER = "HTTP-Dispatcher";

    private final ServeSettings settings;
    private final String model;
    private final int features;
    private final int classes;
    private final ModelRegistry registry;
    private final ServeMetrics metrics;
    private final AdminApi admin;
    private final ModelDownload download;
    private final InferEndpoint infer;
    private final AtomicInteger inFlight = new AtomicInteger();
    private HttpServer server;

    private final String promotion;
    private final VersionScorer scorer;

    /**
     * @param promotion the promotion mode, for metadata
     * @param scorer the scores for metadata and the shadow sample of requests, or {@code null} for none
     */
    InferenceServer(ServeSettings settings, String model, int features, int classes, ModelRegistry registry,
                    ServeMetrics metrics, String promotion, VersionScorer scorer) {
        this.settings = settings;
        this.model = model;
        this.features = features;
        this.classes = classes;
        this.registry = registry;
        this.metrics = metrics;
        this.admin = new AdminApi(settings.adminToken(), registry);
        this.download = new ModelDownload(settings.downloadToken());
        this.infer = new InferEndpoint(model, features, settings.maxBodyBytes(), settings.threads()
            + settings.queueSize(), metrics, scorer);
        this.promotion = promotion;
        this.scorer = scorer;
    }

    void start() throws IOException {
        long slice = settings.requestSliceMicros() * 1000L;
        server = HttpServers.create(settings.host(), settings.port(), settings.threads(), settings.httpThreads(),
            "serve-http", slice == 0 ? () -> { } : () -> ThreadSlice.requestForCurrent(slice));
        server.createContext("/", this::handle);
        Set<Integer> dispatchers = slice == 0 ? Set.of() : dispatcherThreads();
        server.start();
        if (slice > 0) {
            // the JDK's dispatcher thread, started by start(), hands every readable connection to the pool
            try {
                ThreadSlice.requestForNewThreadsNamed(DISPATCHER, dispatchers, slice, 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        if (!Boolean.getBoolean("sun.net.httpserver.nodelay")) {
            LOG.warn("sun.net.httpserver.nodelay is not true: keep-alive requests will wait ~40 ms each");
        }
        LOG.info("serving {} on http://{}:{}", model, settings.host(), port());
    }

    /** The dispatcher threads of this process's other HTTP servers (none where threads cannot be listed). */
    private static Set<Integer> dispatcherThreads() {
        try {
            return Set.copyOf(ThreadSlice.threadsNamed(DISPATCHER));
        } catch (IOException | UnsupportedOperationException e) {
            return Set.of();
        }
    }

    int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) {
        inFlight.incrementAndGet();
        try {
            answer(ex);
        } finally {
            inFlight.decrementAndGet();
        }
    }

    private void answer(HttpExchange ex) {
        String endpoint = Route.OTHER;
        Answer answer;
        try {
            Route route = Route.of(ex.getRequestURI().getPath(), model);
            ServedModel pinned = route.version() == null ? null : held(route.version());
            endpoint = route.endpoint().tag();
            answer = dispatch(ex, route, pinned);
        } catch (HttpError e) {
            answer = Answer.error(e.status(), e.getMessage());
        } catch (RuntimeException | Error e) {
            // The client gets only an id to quote; the detail stays in the log, under that id. An Error too: let
            // through, the JDK server would close the connection without an answer and log it at TRACE only.
            String id = errorId();
            LOG.error("{} {} failed, error id {}", ex.getRequestMethod(), ex.getRequestURI(), id, e);
            if (e instanceof VirtualMachineError vm) {
                throw vm;
            }
            answer = Answer.error(500, "internal error, id " + id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = Answer.error(503, "server is shutting down");
        }
        Exchanges.send(ex, answer);
        metrics.request(endpoint, answer.status());
    }

    /** A short random id that ties a 500 answer to its log line. */
    private static String errorId() {
        return String.format("%08x", ThreadLocalRandom.current().nextInt());
    }

    /** @param pinned the version the path names, or {@code null} for the served one */
    private Answer dispatch(HttpExchange ex, Route route, ServedModel pinned) throws InterruptedException {
        ServedModel chosen = pinned != null ? pinned : registry.current();
        String method = route.endpoint() == Route.Endpoint.INFER || route.endpoint() == Route.Endpoint.ADMIN
            ? "POST" : "GET";
        Exchanges.requireMethod(ex, method);
        return switch (route.endpoint()) {
            case LIVE -> Answer.json(200, Map.of("live", true));
            case READY -> Answer.ready(registry.current() != null);
            case SERVER_METADATA -> Answer.json(200, Metadata.server(version()));
            case METRICS -> new Answer(200, "text/plain; version=0.0.4; charset=utf-8",
                metrics.registry().scrape().getBytes(StandardCharsets.UTF_8));
            case ADMIN -> admin(ex, route.action());
            case MODEL_METADATA -> Answer.json(200, Metadata.model(model, features, classes, registry.state(),
                chosen, promotion, scorer == null ? Map.of() : scorer.scores()));
            case MODEL_READY -> Answer.ready(chosen != null);
            case MODEL_ONNX -> new Answer(200, ModelDownload.TYPE, download.answer(ex, chosen));
            case INFER -> infer.infer(ex, chosen, pinned == null ? registry::current : null);
        };
    }

    private ServedModel held(String version) {
        try {
            long v = Long.parseLong(version);
            return registry.find(v).orElseThrow(() -> new HttpError(404, "version " + v + " of " + model
                + " is not held; held versions: " + registry.state().heldVersions()));
        } catch (NumberFormatException e) {
            throw new HttpError(404, "model version must be an integer, was '" + Messages.abbreviate(version) + "'");
        }
    }

    private Answer admin(HttpExchange ex, String action) {
        admin.authorize(ex);
        Object state = switch (action) {
            case "pin" -> admin.pin(Exchanges.body(ex, settings.maxBodyBytes()));
            case "unpin" -> admin.unpin();
            case "rollback" -> admin.rollback();
            default -> throw new HttpError(404, "no such admin action: " + Messages.abbreviate(action)
                + "; try pin, unpin or rollback");
        };
        return Answer.json(200, state);
    }

    private static String version() {
        String v = InferenceServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    /** Lets requests in progress finish (up to 2 s), then stops. */
    @Override
    public void close() {
        if (server == null) {
            return;
        }
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
        while (inFlight.get() > 0 && System.nanoTime() < deadline) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        HttpServers.stop(server);
    }
}
