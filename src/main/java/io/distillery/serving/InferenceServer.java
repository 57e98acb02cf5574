package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.distillery.config.ServeSettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Open Inference Protocol v2 REST endpoints of one model, the admin endpoints and {@code /metrics},
 * on the JDK's HTTP server with {@code serve.threads} worker threads.
 *
 * <p>Each infer request reads the served model reference once and runs entirely on that model. A bad
 * request is answered 4xx with {@code {"error": "..."}} and touches nothing shared; an unexpected failure
 * is answered 500 with only an error id ({@code {"error": "internal error, id 3f9c…"}}) and logged at
 * ERROR, with its stack trace, under the same id. Every answer is counted by endpoint and status class.
 */
final class InferenceServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceServer.class);
    private static final String JSON = "application/json";

    private final ServeSettings settings;
    private final String model;
    private final int features;
    private final int classes;
    private final ModelRegistry registry;
    private final ServeMetrics metrics;
    private final AdminApi admin;
    private final ModelDownload download;
    private final String modelPath;
    private final AtomicInteger inFlight = new AtomicInteger();
    private HttpServer server;
    private ExecutorService executor;

    InferenceServer(ServeSettings settings, String model, int features, int classes, ModelRegistry registry,
                    ServeMetrics metrics) {
        this.settings = settings;
        this.model = model;
        this.features = features;
        this.classes = classes;
        this.registry = registry;
        this.metrics = metrics;
        this.admin = new AdminApi(settings.adminToken(), registry);
        this.download = new ModelDownload(settings.downloadToken());
        this.modelPath = "/v2/models/" + model;
    }

    void start() throws IOException {
        server = HttpServer.create(new InetSocketAddress(settings.host(), settings.port()), 128);
        server.createContext("/", this::handle);
        AtomicInteger n = new AtomicInteger();
        executor = new ThreadPoolExecutor(settings.threads(), settings.threads(), 0, TimeUnit.MILLISECONDS,
            new LinkedBlockingQueue<>(), r -> {
                Thread t = new Thread(r, "serve-http-" + n.incrementAndGet());
                t.setDaemon(true);
                return t;
            });
        server.setExecutor(executor);
        server.start();
        if (!Boolean.getBoolean("sun.net.httpserver.nodelay")) {
            LOG.warn("sun.net.httpserver.nodelay is not true: keep-alive requests will wait ~40 ms each");
        }
        LOG.info("serving {} on http://{}:{}", model, settings.host(), port());
    }

    int port() {
        return server.getAddress().getPort();
    }

    /** One answer: status, content type and body. */
    private record Answer(int status, String type, byte[] body) {
        static Answer json(int status, Object value) {
            return new Answer(status, JSON, value instanceof byte[] b ? b : OipJson.object(value));
        }
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
        String[] endpoint = {"other"};
        Answer answer;
        try {
            answer = route(ex, endpoint);
        } catch (HttpError e) {
            answer = Answer.json(e.status(), OipJson.error(e.getMessage()));
        } catch (RuntimeException | IOException e) {
            // The client gets only an id to quote; the detail stays in the log, under that id.
            String id = errorId();
            LOG.error("{} {} failed, error id {}", ex.getRequestMethod(), ex.getRequestURI(), id, e);
            answer = Answer.json(500, OipJson.error("internal error, id " + id));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            answer = Answer.json(503, OipJson.error("server is shutting down"));
        }
        send(ex, answer);
        metrics.request(endpoint[0], answer.status());
    }

    /** A short random id that ties a 500 answer to its log line. */
    private static String errorId() {
        return String.format("%08x", ThreadLocalRandom.current().nextInt());
    }

    private Answer route(HttpExchange ex, String[] endpoint) throws IOException, InterruptedException {
        String path = ex.getRequestURI().getPath();
        switch (path) {
            case "/v2/health/live":
                endpoint[0] = "live";
                return get(ex, Answer.json(200, java.util.Map.of("live", true)));
            case "/v2/health/ready":
                endpoint[0] = "ready";
                return get(ex, ready(registry.current() != null));
            case "/v2":
                endpoint[0] = "server_metadata";
                return get(ex, Answer.json(200, Metadata.server(version())));
            case "/metrics":
                endpoint[0] = "metrics";
                return get(ex, new Answer(200, "text/plain; version=0.0.4; charset=utf-8",
                    metrics.registry().scrape().getBytes(StandardCharsets.UTF_8)));
            default:
                break;
        }
        if (path.startsWith("/v2/admin/")) {
            endpoint[0] = "admin";
            return admin(ex, path.substring("/v2/admin/".length()));
        }
        if (path.equals(modelPath) || path.startsWith(modelPath + "/")) {
            return model(ex, path.substring(modelPath.length()), endpoint);
        }
        if (path.startsWith("/v2/models/")) {
            throw new HttpError(404, "unknown model '" + path.substring("/v2/models/".length()).split("/")[0]
                + "'; this server serves '" + model + "'");
        }
        throw new HttpError(404, "no such endpoint: " + path);
    }

    /** {@code rest} is what follows {@code /v2/models/<model>}: "", "/ready", "/infer", "/versions/N...". */
    private Answer model(HttpExchange ex, String rest, String[] endpoint) throws IOException, InterruptedException {
        ServedModel pinned = null;
        if (rest.startsWith("/versions/")) {
            String tail = rest.substring("/versions/".length());
            int slash = tail.indexOf('/');
            String v = slash < 0 ? tail : tail.substring(0, slash);
            rest = slash < 0 ? "" : tail.substring(slash);
            pinned = held(v);
        }
        ServedModel chosen = pinned;
        switch (rest) {
            case "":
                endpoint[0] = "model_metadata";
                return get(ex, Answer.json(200, Metadata.model(model, features, classes, registry.state(),
                    chosen != null ? chosen : registry.current())));
            case "/ready":
                endpoint[0] = "model_ready";
                return get(ex, ready(chosen != null || registry.current() != null));
            case "/onnx":
                endpoint[0] = "model_onnx";
                return get(ex, new Answer(200, ModelDownload.TYPE,
                    download.answer(ex, chosen != null ? chosen : registry.current())));
            case "/infer":
                endpoint[0] = "infer";
                requireMethod(ex, "POST");
                return infer(ex, chosen != null ? chosen : registry.current());
            default:
                throw new HttpError(404, "no such endpoint: " + modelPath + rest);
        }
    }

    private ServedModel held(String version) {
        try {
            long v = Long.parseLong(version);
            return registry.find(v).orElseThrow(() -> new HttpError(404, "version " + v + " of " + model
                + " is not held; held versions: " + registry.state().heldVersions()));
        } catch (NumberFormatException e) {
            throw new HttpError(404, "model version must be an integer, was '" + version + "'");
        }
    }

    private Answer infer(HttpExchange ex, ServedModel served) throws IOException, InterruptedException {
        long start = System.nanoTime();
        if (served == null) {
            throw new HttpError(503, "no model loaded yet: waiting for the first verified snapshot");
        }
        byte[] body = body(ex);
        int header = BinaryTensors.headerLength(ex.getRequestHeaders().getFirst(BinaryTensors.HEADER), body.length);
        InferRequest request = InferRequest.parse(body, header, features);
        float[][] logits;
        try {
            logits = served.logits(request.rows());
        } catch (RejectedExecutionException e) {
            throw new HttpError(503, e.getMessage());
        }
        OipJson.Response response = OipJson.inferResponse(model, served.version(), request.id(), logits,
            request.outputs(), request.binaryOutputs());
        metrics.latency(request.rows().length, System.nanoTime() - start);
        if (response.binary().length == 0) {
            return Answer.json(200, response.json());
        }
        ex.getResponseHeaders().set(BinaryTensors.HEADER, Integer.toString(response.json().length));
        byte[] all = Arrays.copyOf(response.json(), response.json().length + response.binary().length);
        System.arraycopy(response.binary(), 0, all, response.json().length, response.binary().length);
        return new Answer(200, "application/octet-stream", all);
    }

    private Answer admin(HttpExchange ex, String action) throws IOException {
        requireMethod(ex, "POST");
        admin.authorize(ex);
        Object state = switch (action) {
            case "pin" -> admin.pin(body(ex));
            case "unpin" -> admin.unpin();
            case "rollback" -> admin.rollback();
            default -> throw new HttpError(404, "no such admin action: " + action + "; try pin, unpin or rollback");
        };
        return Answer.json(200, state);
    }

    /** The request body, at most {@code serve.max.body.bytes}; 413 beyond. */
    private byte[] body(HttpExchange ex) throws IOException {
        int max = settings.maxBodyBytes();
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.trim().length() > 0 && isOver(length.trim(), max)) {
            throw new HttpError(413, "request body of " + length.trim() + " bytes is over serve.max.body.bytes="
                + max);
        }
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readNBytes(max + 1);
        } catch (IOException e) {
            // the client broke off or sent a bad chunk: its fault, not the server's
            throw HttpError.badRequest("unreadable request body: " + e.getMessage());
        }
        if (body.length > max) {
            throw new HttpError(413, "request body is over serve.max.body.bytes=" + max);
        }
        return body;
    }

    private static boolean isOver(String length, int max) {
        try {
            return Long.parseLong(length) > max;
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("bad Content-Length: " + length);
        }
    }

    private static Answer get(HttpExchange ex, Answer answer) {
        requireMethod(ex, "GET");
        return answer;
    }

    private static void requireMethod(HttpExchange ex, String method) {
        if (!method.equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", method);
            throw new HttpError(405, ex.getRequestMethod() + " is not allowed here; use " + method);
        }
    }

    private static Answer ready(boolean ready) {
        return Answer.json(ready ? 200 : 503, java.util.Map.of("ready", ready));
    }

    private static String version() {
        String v = InferenceServer.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }

    private static void send(HttpExchange ex, Answer answer) {
        try (ex) {
            ex.getResponseHeaders().set("Content-Type", answer.type());
            ex.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer.body());
            }
        } catch (IOException e) {
            LOG.debug("client went away before the answer to {} was sent: {}", ex.getRequestURI(), e.toString());
        }
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
        // stop(0): the JDK 17 server otherwise waits out the whole delay even when idle
        server.stop(0);
        executor.shutdownNow();
    }
}
