package io.distillery.serving;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A small blocking HTTP/1.1 client of one serving instance. */
final class TestClient {
    static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: status, raw body and, when the body is JSON, its tree. */
    record Answer(int status, String body, HttpResponse<String> raw) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        String error() {
            return json().path("error").asText();
        }
    }

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5)).build();
    private final URI base;

    TestClient(URI base) {
        this.base = base;
    }

    Answer get(String path) {
        return send(request(path).GET());
    }

    Answer post(String path, String body, String... headers) {
        HttpRequest.Builder b = request(path).POST(HttpRequest.BodyPublishers.ofString(body));
        if (headers.length > 0) {
            b.headers(headers);
        }
        return send(b);
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), r.body(), r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpRequest.Builder request(String path) {
        return HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(10));
    }

    /** An OIP infer body of {@code rows} rows of {@code features} values, flat data. */
    static String inferBody(String id, int rows, int features, float value) {
        StringBuilder data = new StringBuilder();
        for (int i = 0; i < rows * features; i++) {
            data.append(i == 0 ? "" : ",").append(value);
        }
        return "{\"id\":\"" + id + "\",\"inputs\":[{\"name\":\"input\",\"shape\":[" + rows + "," + features
            + "],\"datatype\":\"FP32\",\"data\":[" + data + "]}]}";
    }
}
