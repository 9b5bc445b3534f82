package org.rmqtt.gateway.admin;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import org.rmqtt.gateway.session.Session;
import org.rmqtt.gateway.session.SessionRegistry;

/**
 * What this gateway answers about the clients connected to it, for its own admin API and for
 * other gateways' (their requests come over the notify RPC as {@link Request} JSON). Each
 * client's fields are read on its session's loop; nothing here blocks.
 */
public final class LocalClients {

    /**
     * One question about local clients.
     *
     * @param op       {@code list} (by prefix), {@code subscribers} (of an exact filter), {@code kick}
     * @param prefix   client id prefix, for {@code list}
     * @param clientId for {@code kick}
     * @param filter   for {@code subscribers}
     * @param limit    at most this many clients
     * @param details  with each client's filters
     */
    public record Request(String op, String prefix, String clientId, String filter, int limit, boolean details) {
        static Request list(String prefix, int limit, boolean details) {
            return new Request("list", prefix, null, null, limit, details);
        }

        static Request subscribers(String filter, int limit) {
            return new Request("subscribers", null, null, filter, limit, true);
        }

        static Request kick(String clientId) {
            return new Request("kick", null, clientId, null, 0, false);
        }
    }

    /** The answer: the clients found (sorted by id), or whether one was kicked. */
    public record Reply(List<ClientInfo> clients, Boolean kicked) {}

    private final String nodeId;
    private final SessionRegistry registry;

    public LocalClients(String nodeId, SessionRegistry registry) {
        this.nodeId = nodeId;
        this.registry = registry;
    }

    /** A request from another gateway (or this one), as JSON bytes; completes with the JSON reply. */
    public CompletableFuture<byte[]> onRequest(byte[] body) {
        Request request;
        try {
            request = Json.read(body, Request.class);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("malformed admin request"));
        }
        return answer(request).thenApply(Json::bytes);
    }

    CompletableFuture<Reply> answer(Request request) {
        return switch (Objects.requireNonNullElse(request.op(), "")) {
            case "list" -> collect(s -> s.clientId().startsWith(Objects.requireNonNullElse(request.prefix(), "")),
                    request.limit(), request.details());
            // A session's filters are read on its loop only: every client is asked, then picked.
            case "subscribers" -> collect(s -> true, Integer.MAX_VALUE, true)
                    .thenApply(r -> new Reply(r.clients().stream().filter(c -> c.filters().containsKey(request.filter()))
                            .limit(Math.max(request.limit(), 0)).toList(), null));
            case "kick" -> registry.kick(Objects.requireNonNull(request.clientId(), "clientId"))
                    .thenApply(kicked -> new Reply(null, kicked));
            default -> CompletableFuture.failedFuture(new IllegalArgumentException("unknown admin op " + request.op()));
        };
    }

    private CompletableFuture<Reply> collect(java.util.function.Predicate<Session> which, int limit, boolean details) {
        List<Session> sessions = registry.connected().stream().filter(which)
                .sorted(Comparator.comparing(Session::clientId)).limit(Math.max(limit, 0)).toList();
        List<CompletableFuture<ClientInfo>> infos = new ArrayList<>(sessions.size());
        for (Session session : sessions) {
            CompletableFuture<ClientInfo> info = new CompletableFuture<>();
            try {
                session.execute(() -> info.complete(session.closed() ? null : ClientInfo.of(nodeId, session, details)));
            } catch (RejectedExecutionException e) {
                info.complete(null); // its loop is shutting down: the client is going
            }
            infos.add(info);
        }
        return CompletableFuture.allOf(infos.toArray(CompletableFuture[]::new))
                .thenApply(v -> new Reply(infos.stream().map(CompletableFuture::join).filter(Objects::nonNull).toList(), null));
    }
}
