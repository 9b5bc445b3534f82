package org.rmqtt.gateway.auth;

import com.google.common.cache.Cache;
import com.google.common.cache.CacheBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.rmqtt.common.health.ThrottledWarning;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks an HTTP service, like EMQX's HTTP authentication: POST of a JSON object
 * {@code {clientId, username, password, peerAddress, certCommonName}}; a 2xx answer with
 * {@code {"result": "allow" | "deny" | "ignore"}} decides (deny = 0x05). A hook that cannot be
 * reached, answers late, with another status or another body refuses with 0x03 (server
 * unavailable) and a throttled WARN. Allows are reused for the same credentials for a while.
 */
final class HttpAuthenticator implements Authenticator {
    private static final Logger LOG = LoggerFactory.getLogger(HttpAuthenticator.class);
    private static final ThrottledWarning UNREACHABLE = new ThrottledWarning(LOG, Duration.ofSeconds(10));
    private static final byte[] PEPPER = java.security.SecureRandom.getSeed(16);

    private final URI url;
    private final Duration timeout;
    private final HttpClient client;
    /** Null when allows are not cached. */
    private final Cache<String, Boolean> allowed;

    HttpAuthenticator(URI url, Duration timeout, Duration cacheTtl) {
        this.url = url;
        this.timeout = timeout;
        this.client = HttpClient.newBuilder().connectTimeout(timeout).build();
        this.allowed = cacheTtl.isZero() ? null
                : CacheBuilder.newBuilder().expireAfterWrite(cacheTtl).maximumSize(100_000).<String, Boolean>build();
    }

    @Override
    public CompletionStage<AuthDecision> authenticate(Credentials c) {
        String key = allowed == null ? null : cacheKey(c);
        if (key != null && allowed.getIfPresent(key) != null) {
            return CompletableFuture.completedFuture(AuthDecision.allow("HTTP hook (cached)"));
        }
        JsonObject body = new JsonObject();
        body.addProperty("clientId", c.clientId());
        body.addProperty("username", c.username());
        body.addProperty("password", c.password() == null ? null : new String(c.password(), StandardCharsets.UTF_8));
        body.addProperty("peerAddress", c.peerAddress());
        body.addProperty("certCommonName", c.certCommonName());
        HttpRequest request = HttpRequest.newBuilder(url).timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8)).build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((response, error) -> {
                    if (error != null) {
                        return unavailable("the hook did not answer within auth.http.timeout=" + timeout.toMillis() + "ms or"
                                + " could not be reached: " + rootCause(error));
                    }
                    if (response.statusCode() / 100 != 2) {
                        return unavailable("the hook answered HTTP " + response.statusCode());
                    }
                    String result = result(response.body());
                    if (result == null) {
                        return unavailable("the hook's answer has no \"result\" of allow, deny or ignore");
                    }
                    switch (result) {
                        case "allow" -> {
                            if (key != null) {
                                allowed.put(key, Boolean.TRUE);
                            }
                            return AuthDecision.allow("HTTP hook");
                        }
                        case "deny" -> {
                            return AuthDecision.notAuthorized("HTTP hook said deny");
                        }
                        case "ignore" -> {
                            return AuthDecision.ignore();
                        }
                        default -> {
                            return unavailable("the hook answered an unknown result");
                        }
                    }
                });
    }

    private AuthDecision unavailable(String why) {
        UNREACHABLE.warn("hook", "Refusing CONNECTs with 0x03 (server unavailable): auth.http.url {}: {}", redacted(url), why);
        return AuthDecision.unavailable(why);
    }

    /** The URL without user info and query, which may hold a token. */
    static String redacted(URI url) {
        return url.getScheme() + "://" + url.getHost() + (url.getPort() < 0 ? "" : ":" + url.getPort()) + url.getRawPath();
    }

    private static String result(String body) {
        try {
            JsonElement json = JsonParser.parseString(body);
            if (json.isJsonObject() && json.getAsJsonObject().get("result") != null
                    && json.getAsJsonObject().get("result").isJsonPrimitive()) {
                return json.getAsJsonObject().get("result").getAsString();
            }
        } catch (RuntimeException e) {
            // not JSON: reported by the caller
        }
        return null;
    }

    private static String rootCause(Throwable e) {
        while (e.getCause() != null) {
            e = e.getCause();
        }
        return e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    }

    /** The same credentials from any address map to the same key; the password only as a peppered digest. */
    private static String cacheKey(Credentials c) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update(PEPPER);
            if (c.password() != null) {
                sha.update(c.password());
            }
            return c.clientId() + '\u0000' + c.username() + '\u0000' + c.certCommonName() + '\u0000'
                    + (c.password() == null ? "-" : HexFormat.of().formatHex(sha.digest()));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java", e);
        }
    }
}
