package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.RejectedExecutionException;

/**
 * {@code POST /v2/models/<model>[/versions/N]/infer}: reads and checks the request, computes the logits on
 * the chosen model and encodes the answer, in JSON or with binary tensor data. Thread-safe (stateless apart
 * from the metrics it records).
 */
final class InferEndpoint {
    private final String model;
    private final int features;
    private final int maxBodyBytes;
    private final ServeMetrics metrics;

    InferEndpoint(String model, int features, int maxBodyBytes, ServeMetrics metrics) {
        this.model = model;
        this.features = features;
        this.maxBodyBytes = maxBodyBytes;
        this.metrics = metrics;
    }

    /**
     * @param served the model to run, {@code null} before the first verified one (503)
     * @throws InterruptedException when interrupted while waiting for a model copy
     */
    Answer infer(HttpExchange ex, ServedModel served) throws InterruptedException {
        long start = System.nanoTime();
        if (served == null) {
            throw new HttpError(503, "no model loaded yet: waiting for the first verified snapshot");
        }
        byte[] body = Exchanges.body(ex, maxBodyBytes);
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
        byte[] all = Arrays.copyOf(response.json(), response.json().length + response.binary().length);
        System.arraycopy(response.binary(), 0, all, response.json().length, response.binary().length);
        return new Answer(200, Answer.OCTETS, all,
            Map.of(BinaryTensors.HEADER, Integer.toString(response.json().length)));
    }
}
