package io.distillery.serving;

/** A request that is answered with a 4xx (or 503) status and an OIP {@code {"error": "..."}} body. */
final class HttpError extends RuntimeException {
    private final int status;

    HttpError(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    static HttpError badRequest(String message) {
        return new HttpError(400, message);
    }

    int status() {
        return status;
    }
}
