package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading requests from and writing answers to the JDK server's exchanges. Stateless. */
final class Exchanges {
    private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);

    private Exchanges() {
    }

    /**
     * The request body, at most {@code max} bytes: 413 when {@code Content-Length} says more (before reading
     * any of it) or when more arrives; 400 when it cannot be read.
     */
    static byte[] body(HttpExchange ex, int max) {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length != null && length.trim().length() > 0 && isOver(length.trim(), max)) {
            throw new HttpError(413, "request body of " + Messages.abbreviate(length.trim())
                + " bytes is over serve.max.body.bytes=" + max);
        }
        byte[] body;
        // Not closed here: closing drains what is left, and a client that stalls mid-body would hold this
        // thread before it is answered. The exchange drains it after the answer is sent.
        InputStream in = ex.getRequestBody();
        try {
            body = in.readNBytes(max + 1);
        } catch (IOException e) {
            // the client broke off or sent a bad chunk: its fault, not the server's
            throw HttpError.badRequest("unreadable request body: " + Messages.abbreviate(e.getMessage()));
        } catch (IndexOutOfBoundsException e) {
            // the JDK's chunked reader fails so on a chunk size over 2^31 - 1 (found by HttpFuzzTest)
            throw HttpError.badRequest("unreadable request body: a chunk size is out of range");
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
            throw HttpError.badRequest("bad Content-Length: " + Messages.abbreviate(length));
        }
    }

    /** @throws HttpError 405 with an {@code Allow} header unless the request's method is {@code method} */
    static void requireMethod(HttpExchange ex, String method) {
        if (!method.equals(ex.getRequestMethod())) {
            ex.getResponseHeaders().set("Allow", method);
            throw new HttpError(405, Messages.abbreviate(ex.getRequestMethod()) + " is not allowed here; use "
                + method);
        }
    }

    /** Sends the answer and closes the exchange; a client that went away is logged at DEBUG only. */
    static void send(HttpExchange ex, Answer answer) {
        try (ex) {
            for (Map.Entry<String, String> h : answer.headers().entrySet()) {
                ex.getResponseHeaders().set(h.getKey(), h.getValue());
            }
            ex.getResponseHeaders().set("Content-Type", answer.type());
            ex.sendResponseHeaders(answer.status(), answer.body().length == 0 ? -1 : answer.body().length);
            try (OutputStream out = ex.getResponseBody()) {
                out.write(answer.body());
            }
        } catch (IOException e) {
            LOG.debug("client went away before the answer to {} was sent: {}", ex.getRequestURI(), e.toString());
        }
    }
}
