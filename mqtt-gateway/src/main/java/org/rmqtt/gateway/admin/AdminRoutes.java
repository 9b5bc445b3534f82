package org.rmqtt.gateway.admin;

import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.rmqtt.gateway.metrics.GatewayMetrics;

/** Maps a method and path to a {@link ClusterAdmin} call; the one list of the API's routes. */
final class AdminRoutes {
    static final int DEFAULT_LIMIT = 100;
    static final int MAX_LIMIT = 10_000;
    private static final String API = "/api/v1/";

    private final ClusterAdmin admin;
    private final Supplier<String> metrics;

    /** @param metrics the Prometheus text of {@code /metrics}, or null: no such route */
    AdminRoutes(ClusterAdmin admin, Supplier<String> metrics) {
        this.admin = admin;
        this.metrics = metrics;
    }

    /** Text that is not JSON: the {@code /metrics} scrape. */
    record Text(String contentType, String text) {}

    /**
     * The reply to one request. Throws (or completes exceptionally with) {@link AdminException}
     * for a request the API refuses.
     */
    CompletableFuture<ClusterAdmin.Reply> route(HttpMethod method, String uri, byte[] body) {
        QueryStringDecoder decoder = new QueryStringDecoder(uri);
        String raw = decoder.rawPath();
        Map<String, List<String>> params = decoder.parameters();
        switch (raw) {
            case "/health" -> {
                allow(method, HttpMethod.GET);
                return admin.health();
            }
            case "/ready" -> {
                allow(method, HttpMethod.GET);
                return admin.ready();
            }
            case "/metrics" -> {
                if (metrics == null) {
                    throw AdminException.notFound("no route " + raw);
                }
                allow(method, HttpMethod.GET);
                return CompletableFuture.completedFuture(ClusterAdmin.Reply.ok(
                        new Text(GatewayMetrics.CONTENT_TYPE, metrics.get())));
            }
            default -> {
                // falls through to the API below
            }
        }
        if (!raw.startsWith(API)) {
            throw AdminException.notFound("no route " + raw);
        }
        String rest = raw.substring(API.length());
        int slash = rest.indexOf('/');
        String collection = slash < 0 ? rest : rest.substring(0, slash);
        String id = slash < 0 ? null : decode(rest.substring(slash + 1));
        if (id != null && id.isEmpty()) {
            throw AdminException.notFound("no route " + raw);
        }
        switch (collection) {
            case "cluster" -> {
                noId(id, raw);
                allow(method, HttpMethod.GET);
                return admin.cluster();
            }
            case "clients" -> {
                if (id == null) {
                    allow(method, HttpMethod.GET);
                    return admin.clients(param(params, "prefix", ""), param(params, "gateway", null), limit(params));
                }
                allow(method, HttpMethod.GET, HttpMethod.DELETE);
                return method.equals(HttpMethod.GET) ? admin.client(id) : admin.kick(id);
            }
            case "sessions" -> {
                if (id == null) {
                    allow(method, HttpMethod.GET);
                    return admin.sessions(param(params, "prefix", ""), limit(params));
                }
                allow(method, HttpMethod.GET, HttpMethod.DELETE);
                return method.equals(HttpMethod.GET) ? admin.session(id) : admin.deleteSession(id);
            }
            case "subscriptions" -> {
                noId(id, raw);
                allow(method, HttpMethod.GET);
                String clientId = param(params, "clientId", null);
                String filter = param(params, "filter", null);
                if ((clientId == null) == (filter == null)) {
                    throw AdminException.badRequest("give exactly one of the parameters clientId and filter");
                }
                return clientId != null ? admin.subscriptionsOfClient(clientId) : admin.subscriptionsOfFilter(filter, limit(params));
            }
            case "retained" -> {
                if (id == null) {
                    allow(method, HttpMethod.GET);
                    return admin.retained(param(params, "prefix", ""), limit(params));
                }
                allow(method, HttpMethod.GET, HttpMethod.DELETE);
                return method.equals(HttpMethod.GET) ? admin.retainedMessage(id) : admin.deleteRetained(id);
            }
            case "publish" -> {
                noId(id, raw);
                allow(method, HttpMethod.POST);
                return admin.publish(body);
            }
            case "topics" -> {
                noId(id, raw);
                allow(method, HttpMethod.GET);
                return admin.topics(param(params, "prefix", ""), limit(params));
            }
            default -> throw AdminException.notFound("no route " + raw);
        }
    }

    /** Percent-decodes a path part; '+' stays '+' (it is not a space in a path). */
    private static String decode(String part) {
        try {
            return URLDecoder.decode(part.replace("+", "%2B"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw AdminException.badRequest("bad percent-encoding in the path: " + e.getMessage());
        }
    }

    private static void noId(String id, String raw) {
        if (id != null) {
            throw AdminException.notFound("no route " + raw);
        }
    }

    private static void allow(HttpMethod method, HttpMethod... allowed) {
        for (HttpMethod m : allowed) {
            if (m.equals(method)) {
                return;
            }
        }
        throw new MethodNotAllowed(allowed);
    }

    /** 405, with the methods the path does allow. */
    static final class MethodNotAllowed extends AdminException {
        final String allow;

        MethodNotAllowed(HttpMethod... allowed) {
            super(405, "method not allowed here; allowed: " + String.join(", ",
                    java.util.Arrays.stream(allowed).map(HttpMethod::name).toList()));
            this.allow = String.join(", ", java.util.Arrays.stream(allowed).map(HttpMethod::name).toList());
        }
    }

    private static String param(Map<String, List<String>> params, String name, String orElse) {
        List<String> values = params.get(name);
        return values == null || values.isEmpty() ? orElse : values.get(values.size() - 1);
    }

    private static int limit(Map<String, List<String>> params) {
        String value = param(params, "limit", null);
        if (value == null) {
            return DEFAULT_LIMIT;
        }
        try {
            int limit = Integer.parseInt(value);
            if (limit >= 1 && limit <= MAX_LIMIT) {
                return limit;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw AdminException.badRequest("limit must be a whole number 1.." + MAX_LIMIT + ", not '" + value + "'");
    }
}
