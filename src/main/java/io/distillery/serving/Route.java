package io.distillery.serving;

/**
 * Where a request path leads: the endpoint (also the {@code endpoint} tag of the request counter), the model
 * version it names and the admin action. Pure: resolving a path reads no state.
 *
 * @param version the {@code N} of {@code /v2/models/<model>/versions/N/...}, or {@code null}
 * @param action the {@code X} of {@code /v2/admin/X}, or {@code null}
 */
record Route(Endpoint endpoint, String version, String action) {
    /** The endpoints, with their metric tags. */
    enum Endpoint {
        LIVE("live"), READY("ready"), SERVER_METADATA("server_metadata"), METRICS("metrics"), ADMIN("admin"),
        MODEL_METADATA("model_metadata"), MODEL_READY("model_ready"), MODEL_ONNX("model_onnx"), INFER("infer");

        private final String tag;

        Endpoint(String tag) {
            this.tag = tag;
        }

        String tag() {
            return tag;
        }
    }

    /** The tag of a request that reached no endpoint. */
    static final String OTHER = "other";
    private static final String MODELS = "/v2/models/";
    private static final String ADMIN = "/v2/admin/";

    /**
     * Resolves a path of the server serving {@code model}.
     *
     * @throws HttpError 404 naming the unknown model or endpoint
     */
    static Route of(String path, String model) {
        switch (path) {
            case "/v2/health/live":
                return new Route(Endpoint.LIVE, null, null);
            case "/v2/health/ready":
                return new Route(Endpoint.READY, null, null);
            case "/v2":
                return new Route(Endpoint.SERVER_METADATA, null, null);
            case "/metrics":
                return new Route(Endpoint.METRICS, null, null);
            default:
                break;
        }
        if (path.startsWith(ADMIN)) {
            return new Route(Endpoint.ADMIN, null, path.substring(ADMIN.length()));
        }
        String modelPath = MODELS + model;
        if (path.equals(modelPath) || path.startsWith(modelPath + "/")) {
            return model(path.substring(modelPath.length()), modelPath);
        }
        if (path.startsWith(MODELS)) {
            throw new HttpError(404, "unknown model '" + Messages.abbreviate(path.substring(MODELS.length())
                .split("/")[0]) + "'; this server serves '" + model + "'");
        }
        throw new HttpError(404, "no such endpoint: " + Messages.abbreviate(path));
    }

    /** {@code rest} is what follows {@code /v2/models/<model>}: "", "/ready", "/infer", "/versions/N...". */
    private static Route model(String rest, String modelPath) {
        String version = null;
        if (rest.startsWith("/versions/")) {
            String tail = rest.substring("/versions/".length());
            int slash = tail.indexOf('/');
            version = slash < 0 ? tail : tail.substring(0, slash);
            rest = slash < 0 ? "" : tail.substring(slash);
        }
        Endpoint endpoint = switch (rest) {
            case "" -> Endpoint.MODEL_METADATA;
            case "/ready" -> Endpoint.MODEL_READY;
            case "/onnx" -> Endpoint.MODEL_ONNX;
            case "/infer" -> Endpoint.INFER;
            default -> throw new HttpError(404, "no such endpoint: " + Messages.abbreviate(modelPath + rest));
        };
        return new Route(endpoint, version, null);
    }
}
