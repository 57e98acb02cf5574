package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * {@code POST /v2/models/<model>[/versions/N]/infer}: reads and checks the request, computes the logits on
 * the chosen model and encodes the answer, in JSON or with binary tensor data; hands a sample of answered
 * requests to the {@link VersionScorer} for shadow answers (queued, never waited for). Thread-safe (stateless
 * apart from the metrics it records).
 */
final class InferEndpoint {
    /** Models a request tries when swaps keep retiring the one it was about to run on. */
    private static final int MAX_ATTEMPTS = 3;

    private final String model;
    private final int features;
    private final int maxBodyBytes;
    private final int admitted;
    private final Semaphore slots;
    private final ServeMetrics metrics;
    private final VersionScorer scorer;

    /**
     * @param admitted how many requests may run or wait for a network copy at once; more are answered 503
     * @param scorer given a sample of answered requests for shadow answers, or {@code null}
     */
    InferEndpoint(String model, int features, int maxBodyBytes, int admitted, ServeMetrics metrics,
                  VersionScorer scorer) {
        this.model = model;
        this.features = features;
        this.maxBodyBytes = maxBodyBytes;
        this.admitted = admitted;
        this.slots = new Semaphore(admitted);
        this.metrics = metrics;
        this.scorer = scorer;
    }

    /**
     * @param served the model to run, {@code null} before the first verified one (503)
     * @param current the model served now, when the request asked for the served one rather than a version: a
     *     request whose model was retired by a swap before it got a network copy runs on the newer one instead
     *     of failing; {@code null} for a request pinned to a version
     * @throws InterruptedException when interrupted while waiting for a model copy
     */
    Answer infer(HttpExchange ex, ServedModel served, Supplier<ServedModel> current) throws InterruptedException {
        long start = System.nanoTime();
        if (served == null) {
            throw new HttpError(503, "no model loaded yet: waiting for the first verified snapshot");
        }
        byte[] body = Exchanges.body(ex, maxBodyBytes);
        int header = BinaryTensors.headerLength(ex.getRequestHeaders().getFirst(BinaryTensors.HEADER), body.length);
        InferRequest request = InferRequest.parse(body, header, features);
        float[][] logits = null;
        for (int attempt = 1; logits == null; attempt++) {
            try {
                logits = logits(served, request);
            } catch (RejectedExecutionException e) {
                ServedModel newer = current == null ? null : current.get();
                if (!served.retired() || newer == null || newer == served || attempt == MAX_ATTEMPTS) {
                    throw new HttpError(503, e.getMessage());
                }
                served = newer;
            }
        }
        OipJson.Response response = OipJson.inferResponse(model, served.version(), request.id(), logits,
            request.outputs(), request.binaryOutputs());
        metrics.latency(request.rowCount(), System.nanoTime() - start);
        if (scorer != null) {
            scorer.shadow(served.version(), request.values(), request.features(), logits);
        }
        if (response.binary().length == 0) {
            return Answer.json(200, response.json());
        }
        byte[] all = Arrays.copyOf(response.json(), response.json().length + response.binary().length);
        System.arraycopy(response.binary(), 0, all, response.json().length, response.binary().length);
        return new Answer(200, Answer.OCTETS, all,
            Map.of(BinaryTensors.HEADER, Integer.toString(response.json().length)));
    }

    /**
     * The logits, once admitted: a request is admitted after it has been read and checked (a slow client
     * holds no slot), and refused 503 at once when every slot is taken, instead of queueing without bound.
     *
     * @throws RejectedExecutionException when the model was retired, or no copy of it became free in time
     */
    private float[][] logits(ServedModel served, InferRequest request) throws InterruptedException {
        if (!slots.tryAcquire()) {
            throw new HttpError(503, "busy: " + admitted + " infer requests are running or waiting "
                + "(serve.threads + serve.queue.size); retry later");
        }
        try {
            return served.logits(request.values(), request.rowCount());
        } finally {
            slots.release();
        }
    }
}
