package io.distillery.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Operator endpoints: {@code POST /v2/admin/pin {"version": N}}, {@code /unpin} and {@code /rollback}.
 * Each needs {@code Authorization: Bearer <serve.admin.token>}: 403 when no token is configured, 401
 * when the header is missing or wrong (compared in constant time). Answers the new state.
 */
final class AdminApi {
    private static final Logger LOG = LoggerFactory.getLogger(AdminApi.class);

    private final BearerAuth auth;
    private final ModelRegistry registry;

    AdminApi(String token, ModelRegistry registry) {
        this.auth = new BearerAuth(token, "admin API", "admin", "serve.admin.token");
        this.registry = registry;
    }

    /** Checks the bearer token; throws the 403 or 401 answer. */
    void authorize(HttpExchange ex) {
        auth.authorize(ex);
    }

    Object pin(byte[] body) {
        long version = version(body);
        try {
            ServedModel m = registry.pin(version);
            LOG.info("operator pinned version {}", m.version());
        } catch (ModelRegistry.NotHeldException e) {
            throw new HttpError(404, e.getMessage());
        }
        return Metadata.state(registry.state());
    }

    Object unpin() {
        ModelRegistry.State s = registry.unpin();
        LOG.info("operator unpinned: serving version {}", s.currentVersion());
        return Metadata.state(s);
    }

    Object rollback() {
        try {
            ServedModel m = registry.rollback();
            LOG.info("operator rolled back to version {}, pinned", m.version());
        } catch (ModelRegistry.NotHeldException e) {
            throw new HttpError(409, e.getMessage());
        }
        return Metadata.state(registry.state());
    }

    private static long version(byte[] body) {
        JsonNode v;
        try {
            v = OipJson.MAPPER.readTree(body).path("version");
        } catch (IOException e) {
            throw HttpError.badRequest("malformed JSON: body must be {\"version\": N}");
        }
        if (v.isIntegralNumber() && v.canConvertToLong()) {
            return v.asLong();
        }
        if (v.isTextual() && v.asText().matches("\\d{1,18}")) {
            return Long.parseLong(v.asText());
        }
        throw HttpError.badRequest("body must be {\"version\": N} with N a held snapshot version");
    }
}
