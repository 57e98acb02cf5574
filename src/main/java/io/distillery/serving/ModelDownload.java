package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import io.distillery.snapshot.Hashes;

/**
 * {@code GET /v2/models/<model>/onnx} and {@code /v2/models/<model>/versions/<v>/onnx}: the served (or a held)
 * version's verified ONNX graph, to run the student elsewhere with ONNX Runtime. The model is the operator's
 * property: 403 until {@code serve.download.token} is set, then its bearer token (401 without it). The answer
 * is {@code application/octet-stream} with the headers {@value #VERSION_HEADER} and {@value #SHA256_HEADER}
 * (hex SHA-256 of the body, as in the snapshot's manifest) so that a device can check what it received.
 */
final class ModelDownload {
    static final String VERSION_HEADER = "X-Model-Version";
    static final String SHA256_HEADER = "X-Model-Sha256";
    static final String TYPE = "application/octet-stream";

    private final BearerAuth auth;

    ModelDownload(String token) {
        this.auth = new BearerAuth(token, "model download", "download", "serve.download.token");
    }

    /** Checks the token and answers the ONNX bytes of {@code served}, setting the headers on {@code ex}. */
    byte[] answer(HttpExchange ex, ServedModel served) {
        auth.authorize(ex);
        if (served == null) {
            throw new HttpError(503, "no model loaded yet: waiting for the first verified snapshot");
        }
        byte[] onnx = served.onnx();
        if (onnx == null) {
            throw new HttpError(404, "version " + served.version() + " has no ONNX graph");
        }
        ex.getResponseHeaders().set(VERSION_HEADER, Long.toString(served.version()));
        ex.getResponseHeaders().set(SHA256_HEADER, Hashes.sha256Hex(onnx));
        return onnx;
    }
}
