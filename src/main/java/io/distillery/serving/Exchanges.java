package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading requests from and writing answers to the JDK server's exchanges. Stateless. */
final class Exchanges {
    private static final Logger LOG = LoggerFactory.getLogger(Exchanges.class);
    /**
     * Bytes of a request body left unread that the JDK server reads and discards once the answer is sent
     * ({@code sun.net.httpserver.drainAmount}, 64 KiB unless set); when more may be left, or the body is
     * chunked and was not read to its end, it closes the connection after the answer.
     */
    static final long DRAINED_BYTES = Long.getLong("sun.net.httpserver.drainAmount", 64 * 1024);
    /**
     * The exchange whose request body {@link #body} read to its end on this thread, until its answer is sent
     * (a JDK 17 exchange's attributes are its context's, shared by every request, so not those).
     */
    private static final ThreadLocal<HttpExchange> BODY_READ = new ThreadLocal<>();

    private Exchanges() {
    }

    /**
     * The request body, at most {@code max} bytes: 413 when {@code Content-Length} says more (before reading
     * any of it) or when more arrives; 400 when it cannot be read.
     */
    static byte[] body(HttpExchange ex, int max) {
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        long declared = contentLength(length);
        if (declared > max) {
            throw new HttpError(413, "request body of " + Messages.abbreviate(length.trim())
                + " bytes is over serve.max.body.bytes=" + max);
        }
        byte[] body;
        // Not closed here: closing drains what is left, and a client that stalls mid-body would hold this
        // thread before it is answered. The exchange drains it after the answer is sent.
        InputStream in = ex.getRequestBody();
        try {
            if (declared >= 0 && !ex.getRequestHeaders().containsKey("Transfer-Encoding")) {
                // read into one array of the announced size: no growing buffers, no copy (it ends there)
                body = new byte[(int) declared];
                int read = in.readNBytes(body, 0, body.length);
                body = read == body.length ? body : Arrays.copyOf(body, read); // cut short: the parser says so
            } else {
                // chunked, or no usable length: up to the limit
                body = in.readNBytes(max + 1);
            }
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
        BODY_READ.set(ex);
        return body;
    }

    /** Whether the server will close the connection for a request body not read to its end; forgets the mark. */
    private static boolean leavesBodyUnread(HttpExchange ex) {
        boolean read = BODY_READ.get() == ex;
        BODY_READ.remove();
        if (read) {
            return false;
        }
        if (ex.getRequestHeaders().containsKey("Transfer-Encoding")) {
            return true;
        }
        String length = ex.getRequestHeaders().getFirst("Content-Length");
        if (length == null) {
            return false;
        }
        try {
            return Long.parseLong(length.trim()) > DRAINED_BYTES;
        } catch (NumberFormatException e) {
            return true;
        }
    }

    /**
     * The {@code Content-Length} header's value, -1 when there is none (or it is blank); a negative value is
     * returned as it is, and the body then read up to the limit.
     *
     * @throws HttpError 400 when it is not a number
     */
    private static long contentLength(String length) {
        if (length == null || length.isBlank()) {
            return -1;
        }
        try {
            return Long.parseLong(length.trim());
        } catch (NumberFormatException e) {
            throw HttpError.badRequest("bad Content-Length: " + Messages.abbreviate(length.trim()));
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

    /**
     * Sends the answer and closes the exchange; a client that went away is logged at DEBUG only. When the
     * answer leaves more of the request body unread than the JDK server discards, the answer says
     * {@code Connection: close}: the server closes that connection after the answer, and a keep-alive client
     * told nothing would send its next request into the closed connection and get no answer at all.
     */
    static void send(HttpExchange ex, Answer answer) {
        try (ex) {
            for (Map.Entry<String, String> h : answer.headers().entrySet()) {
                ex.getResponseHeaders().set(h.getKey(), h.getValue());
            }
            if (leavesBodyUnread(ex)) {
                ex.getResponseHeaders().set("Connection", "close");
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
