package io.distillery.serving;

import com.sun.net.httpserver.HttpExchange;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

/**
 * A bearer-token check for one group of endpoints: 403 while no token is configured, 401 (with a
 * {@code WWW-Authenticate} challenge) when the {@code Authorization} header is missing or wrong, compared in
 * constant time. Immutable; thread-safe.
 */
final class BearerAuth {
    private final byte[] expected;
    private final String what;
    private final String kind;
    private final String key;

    /**
     * @param token the configured token, or {@code null}: the endpoints are disabled
     * @param what what the endpoints are, for the messages ("admin API")
     * @param kind the token's kind, for the messages and the realm ("admin")
     * @param key the configuration key of the token, for the 403 message
     */
    BearerAuth(String token, String what, String kind, String key) {
        this.expected = token == null ? null : ("Bearer " + token).getBytes(StandardCharsets.UTF_8);
        this.what = what;
        this.kind = kind;
        this.key = key;
    }

    /** Checks the request's bearer token; throws the 403 or 401 answer. */
    void authorize(HttpExchange ex) {
        if (expected == null) {
            throw new HttpError(403, what + " disabled: " + key + " is not set");
        }
        String auth = ex.getRequestHeaders().getFirst("Authorization");
        if (auth == null || !MessageDigest.isEqual(expected, auth.trim().getBytes(StandardCharsets.UTF_8))) {
            ex.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"distillery-" + kind + "\"");
            throw new HttpError(401, auth == null ? what + " needs 'Authorization: Bearer <token>'"
                : "wrong " + kind + " token");
        }
    }
}
