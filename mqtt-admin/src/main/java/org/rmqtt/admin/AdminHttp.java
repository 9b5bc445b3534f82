package org.rmqtt.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** Calls the admin API; every failure becomes an {@link AdminException} with one clear line. */
final class AdminHttp {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient client;

    AdminHttp(String url, String token, Duration timeout) {
        String u = url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
        URI parsed;
        try {
            parsed = URI.create(u);
        } catch (IllegalArgumentException e) {
            parsed = null;
        }
        if (parsed == null || parsed.getScheme() == null || !(parsed.getScheme().equals("http") || parsed.getScheme().equals("https"))
                || parsed.getHost() == null) {
            throw new AdminException("--url: must be http://host:port or https://host:port, not " + url);
        }
        this.base = parsed;
        this.token = token;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
    }

    /** A path segment (client id, topic): percent-encoded, '/' included, a space as %20. */
    static String segment(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /** A query parameter value. */
    static String param(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    JsonNode get(String path) {
        return send("GET", path, null);
    }

    JsonNode delete(String path) {
        return send("DELETE", path, null);
    }

    JsonNode post(String path, Object body) {
        try {
            return send("POST", path, JSON.writeValueAsString(body));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new AdminException("cannot encode the request: " + e.getOriginalMessage());
        }
    }

    private JsonNode send(String method, String path, String body) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        HttpResponse<String> response;
        try {
            response = client.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (HttpConnectTimeoutException e) {
            throw new AdminException("cannot reach the admin API at " + base + ": no connection within " + seconds());
        } catch (HttpTimeoutException e) {
            throw new AdminException("no answer from the admin API at " + base + " within " + seconds());
        } catch (ConnectException e) {
            throw new AdminException("cannot reach the admin API at " + base + ": connection refused"
                    + " (is the gateway running? set --url or RMQTT_ADMIN_URL)");
        } catch (IOException e) {
            throw new AdminException("cannot reach the admin API at " + base + ": " + describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AdminException("interrupted");
        }
        JsonNode json;
        try {
            json = response.body().isEmpty() ? JSON.nullNode() : JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AdminException(base + " answered " + response.statusCode() + " with something that is not JSON"
                    + " (is --url the admin port of a gateway?)");
        }
        int status = response.statusCode();
        if (status >= 400) {
            String error = json.hasNonNull("error") ? json.get("error").asText() : "HTTP " + status;
            throw new AdminException(switch (status) {
                case 401 -> "not authorized (401): " + error + " (give --token-file)";
                case 404 -> "not found: " + error;
                default -> error + " (" + status + ")";
            });
        }
        return json;
    }

    private String seconds() {
        return timeout.toMillis() % 1000 == 0 ? timeout.toSeconds() + "s" : timeout.toMillis() + "ms";
    }

    private static String describe(IOException e) {
        return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
    }
}
