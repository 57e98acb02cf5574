package io.distillery.config;

import io.distillery.os.ThreadSlice;
import java.util.List;

/**
 * Settings of the {@code serve} role: the HTTP endpoint, its parallelism and limits, the operator
 * token and how many verified models are kept for pinning and rollback.
 *
 * @param host address the HTTP server binds, e.g. {@code 0.0.0.0}
 * @param port HTTP port of the inference API and {@code /metrics} (0 picks a free port)
 * @param threads HTTP worker threads, and network copies per served model (one per worker)
 * @param maxBodyBytes largest accepted request body, bytes; larger ones get 413
 * @param adminToken bearer token of the {@code /v2/admin} endpoints, or {@code null}: admin disabled
 * @param downloadToken bearer token of the ONNX downloads, or {@code null}: downloads disabled (403)
 * @param history how many verified models are kept (the served one included) for pin and rollback
 * @param httpThreads most threads reading requests and writing answers
 * @param queueSize infer requests allowed to wait for a network copy while {@code threads} run
 * @param requestSliceMicros time slice the request threads ask Linux for, microseconds (0 = the kernel's)
 */
public record ServeSettings(String host, int port, int threads, int maxBodyBytes, String adminToken,
                            int history, String downloadToken, int httpThreads, int queueSize,
                            int requestSliceMicros) {
    public static final ConfigKey HOST = new ConfigKey("serve.host", "0.0.0.0",
        "address the inference HTTP server binds");
    public static final ConfigKey PORT = new ConfigKey("serve.port", "8080",
        "HTTP port of the inference API (Open Inference Protocol v2) and /metrics (0 picks a free port)");
    public static final ConfigKey THREADS = new ConfigKey("serve.threads", "2",
        "HTTP worker threads, and network copies held per served model (requests run in parallel)");
    public static final ConfigKey MAX_BODY_BYTES = new ConfigKey("serve.max.body.bytes", "4194304",
        "largest accepted request body, bytes; a larger one is answered 413");
    public static final ConfigKey ADMIN_TOKEN = ConfigKey.secret("serve.admin.token",
        "bearer token of /v2/admin/pin, /unpin and /rollback; when unset those answer 403");
    public static final ConfigKey HISTORY = new ConfigKey("serve.history", "3",
        "verified models kept in memory (the served one included) for pin and rollback");
    public static final ConfigKey DOWNLOAD_TOKEN = ConfigKey.secret("serve.download.token",
        "bearer token of GET /v2/models/student[/versions/N]/onnx (the model is the operator's); unset: 403");
    public static final ConfigKey HTTP_THREADS = new ConfigKey("serve.http.threads", "64",
        "most threads reading requests and writing answers (a stalled client holds one for at most 10 s); "
            + "must exceed serve.threads + serve.queue.size so that probes always find one");
    public static final ConfigKey QUEUE_SIZE = new ConfigKey("serve.queue.size", "16",
        "infer requests allowed to wait for a network copy while serve.threads run; beyond, 503 at once");
    public static final ConfigKey REQUEST_SLICE_US = new ConfigKey("serve.request.slice.us", "100",
        "time slice, microseconds, that the threads reading, computing and answering requests ask Linux (6.12 or "
            + "later) for, so that they preempt a snapshot's verification at once; 0 = the kernel's (its base "
            + "slice: 1.4 ms on 2 cores)");
    public static final List<ConfigKey> KEYS = List.of(HOST, PORT, THREADS, MAX_BODY_BYTES, ADMIN_TOKEN, HISTORY,
        DOWNLOAD_TOKEN, HTTP_THREADS, QUEUE_SIZE, REQUEST_SLICE_US);

    public ServeSettings {
        Checks.notBlank(HOST, host);
        Checks.port(PORT, port);
        Checks.positive(THREADS, threads);
        Checks.atLeast(MAX_BODY_BYTES, maxBodyBytes, 1024);
        Checks.positive(HISTORY, history);
        Checks.atLeast(QUEUE_SIZE, queueSize, 0);
        if (httpThreads <= threads + queueSize) {
            throw new ConfigException(HTTP_THREADS.name() + " must exceed serve.threads + serve.queue.size = "
                + (threads + queueSize) + ", was " + httpThreads);
        }
        long sliceNanos = requestSliceMicros * 1000L;
        if (sliceNanos != 0 && (sliceNanos < ThreadSlice.MIN_NANOS || sliceNanos > ThreadSlice.MAX_NANOS)) {
            throw new ConfigException(REQUEST_SLICE_US.name() + " must be 0 or in [" + ThreadSlice.MIN_NANOS / 1000
                + ", " + ThreadSlice.MAX_NANOS / 1000 + "] (the kernel's bounds), was " + requestSliceMicros);
        }
        requireLength(ADMIN_TOKEN, adminToken);
        requireLength(DOWNLOAD_TOKEN, downloadToken);
    }

    private static void requireLength(ConfigKey key, String token) {
        if (token != null && token.length() < 8) {
            throw new ConfigException(key.name() + " must be at least 8 characters long, was " + token.length()
                + " characters");
        }
    }

    private static String token(Config c, ConfigKey key) {
        String token = c.get(key);
        return token == null || token.isBlank() ? null : token.trim();
    }

    public static ServeSettings from(Config c) {
        return new ServeSettings(c.getString(HOST), c.getInt(PORT), c.getInt(THREADS), c.getInt(MAX_BODY_BYTES),
            token(c, ADMIN_TOKEN), c.getInt(HISTORY), token(c, DOWNLOAD_TOKEN), c.getInt(HTTP_THREADS),
            c.getInt(QUEUE_SIZE), c.getInt(REQUEST_SLICE_US));
    }

    /** Whether the admin endpoints are enabled (a token is configured). */
    public boolean adminEnabled() {
        return adminToken != null;
    }

    /** The token is a secret: never printed. */
    @Override
    public String toString() {
        return "ServeSettings[host=" + host + ", port=" + port + ", threads=" + threads + ", maxBodyBytes="
            + maxBodyBytes + ", admin=" + (adminEnabled() ? "enabled" : "disabled") + ", history=" + history
            + ", download=" + (downloadToken != null ? "enabled" : "disabled") + ", httpThreads=" + httpThreads
            + ", queueSize=" + queueSize + ", requestSliceMicros=" + requestSliceMicros + "]";
    }
}
