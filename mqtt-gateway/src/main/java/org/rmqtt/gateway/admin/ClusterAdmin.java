package org.rmqtt.gateway.admin;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.rmqtt.common.mapping.LmqNames;
import org.rmqtt.common.mapping.TopicMapper;
import org.rmqtt.common.topic.InvalidTopicException;
import org.rmqtt.common.topic.Topics;
import org.rmqtt.gateway.publish.PublishService;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.MetaClient;
import org.rmqtt.meta.RetainedMessage;
import org.rmqtt.meta.SessionSummary;
import org.rmqtt.meta.Subscription;
import org.rmqtt.store.MessageStore;
import org.rmqtt.store.notify.NotifyClient;

/**
 * The admin API's answers for the whole cluster, from whichever gateway is asked: persistent
 * sessions, retained messages and filters from meta; connected clients from every live gateway
 * (each answers for its own, over the notify RPC); publishes through the same
 * {@link PublishService} as devices'. Every call returns a future and never blocks.
 */
public final class ClusterAdmin {
    /** Client id of messages injected through the admin API, as their origin in the store. */
    static final String PUBLISHER = "$admin";
    private static final String READY_PROBE_CLIENT = "rmqtt-ready-probe";
    private static final String READY_PROBE_LMQ = LmqNames.of("rmqtt/ready-probe");

    /** A reply and its HTTP status. */
    public record Reply(int status, Object body) {
        static Reply ok(Object body) {
            return new Reply(200, body);
        }
    }

    /** A gateway that did not answer a fan-out. */
    public record Unreachable(String gateway, String error) {}

    record Answer(GatewayNode node, LocalClients.Reply reply, String error) {}

    private final String nodeId;
    private final MetaClient meta;
    private final NotifyClient notify;
    private final MessageStore store;
    private final PublishService publishing;
    private final TopicMapper mapper;
    private final BooleanSupplier listenerUp;
    private final Duration timeout;

    public ClusterAdmin(String nodeId, MetaClient meta, NotifyClient notify, MessageStore store, PublishService publishing,
                        TopicMapper mapper, BooleanSupplier listenerUp, Duration timeout) {
        this.nodeId = nodeId;
        this.meta = meta;
        this.notify = notify;
        this.store = store;
        this.publishing = publishing;
        this.mapper = mapper;
        this.listenerUp = listenerUp;
        this.timeout = timeout;
    }

    // ---- probes ----

    CompletableFuture<Reply> health() {
        return CompletableFuture.completedFuture(Reply.ok(Map.of("status", "UP", "nodeId", nodeId)));
    }

    /** Ready when the MQTT listener is bound, and meta and RocketMQ each answer a small read in time. */
    CompletableFuture<Reply> ready() {
        CompletableFuture<String> metaCheck = check(meta.session(READY_PROBE_CLIENT));
        CompletableFuture<String> storeCheck = check(store.maxOffsets(READY_PROBE_LMQ).thenApply(offsets -> {
            if (offsets.isEmpty()) {
                throw new IllegalStateException("no broker known for the mapped topics");
            }
            return offsets;
        }));
        return metaCheck.thenCombine(storeCheck, (metaState, storeState) -> {
            Map<String, String> checks = new LinkedHashMap<>();
            checks.put("mqttListener", listenerUp.getAsBoolean() ? "UP" : "DOWN: not bound");
            checks.put("meta", metaState);
            checks.put("rocketmq", storeState);
            List<String> notReady = checks.entrySet().stream().filter(e -> !e.getValue().equals("UP")).map(Map.Entry::getKey).toList();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("ready", notReady.isEmpty());
            body.put("nodeId", nodeId);
            body.put("checks", checks);
            if (!notReady.isEmpty()) {
                body.put("notReady", notReady);
            }
            return new Reply(notReady.isEmpty() ? 200 : 503, body);
        });
    }

    private CompletableFuture<String> check(CompletableFuture<?> probe) {
        return probe.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .handle((v, e) -> e == null ? "UP" : "DOWN: " + message(e));
    }

    // ---- cluster ----

    CompletableFuture<Reply> cluster() {
        List<GatewayNode> nodes = sortedNodes(null);
        CompletableFuture<List<Answer>> answers = ask(nodes, LocalClients.Request.list("", Integer.MAX_VALUE, false));
        CompletableFuture<List<org.rmqtt.meta.MetaPeerStatus>> peers = meta.peerStatus()
                .orTimeout(timeout.toMillis() * 3, TimeUnit.MILLISECONDS);
        return answers.thenCombine(peers.handle((p, e) -> e == null ? p : null), (replies, peerList) -> {
            List<Map<String, Object>> gateways = new ArrayList<>();
            for (Answer a : replies) {
                Map<String, Object> g = new LinkedHashMap<>();
                g.put("id", a.node().id());
                g.put("mqttAddress", a.node().mqttAddress());
                g.put("notifyAddress", a.node().notifyAddress());
                g.put("live", true);
                g.put("reachable", a.error() == null);
                if (a.error() == null) {
                    g.put("connections", a.reply().clients().size());
                } else {
                    g.put("error", a.error());
                }
                g.put("self", a.node().id().equals(nodeId));
                gateways.add(g);
            }
            Map<String, Object> metaInfo = new LinkedHashMap<>();
            if (peerList == null) {
                metaInfo.put("error", "meta peers did not answer in time");
            } else {
                metaInfo.put("leader", peerList.stream().filter(p -> "LEADER".equals(p.role())).map(p -> p.id())
                        .findFirst().orElse(null));
                metaInfo.put("peers", peerList);
            }
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("nodeId", nodeId);
            body.put("gateways", gateways);
            body.put("meta", metaInfo);
            return Reply.ok(body);
        });
    }

    // ---- clients ----

    CompletableFuture<Reply> clients(String prefix, String gateway, int limit) {
        List<GatewayNode> nodes = sortedNodes(gateway);
        if (gateway != null && nodes.isEmpty()) {
            throw AdminException.notFound("no live gateway " + gateway);
        }
        return ask(nodes, LocalClients.Request.list(prefix, limit, false)).thenApply(answers -> {
            List<ClientInfo> clients = answers.stream().filter(a -> a.error() == null)
                    .flatMap(a -> a.reply().clients().stream())
                    .sorted(Comparator.comparing(ClientInfo::clientId)).limit(limit).toList();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("clients", clients);
            List<Unreachable> unreachable = unreachable(answers);
            if (!unreachable.isEmpty()) {
                body.put("unreachable", unreachable);
            }
            return Reply.ok(body);
        });
    }

    CompletableFuture<Reply> client(String clientId) {
        return findClient(clientId).thenApply(found -> Reply.ok(found.orElseThrow(
                () -> AdminException.notFound("client " + clientId + " is not connected to any gateway"))));
    }

    private CompletableFuture<java.util.Optional<ClientInfo>> findClient(String clientId) {
        return ask(sortedNodes(null), LocalClients.Request.list(clientId, 1, true)).thenApply(answers -> answers.stream()
                .filter(a -> a.error() == null).flatMap(a -> a.reply().clients().stream())
                .filter(c -> c.clientId().equals(clientId)).findFirst());
    }

    CompletableFuture<Reply> kick(String clientId) {
        return kickEverywhere(clientId).thenApply(kicked -> {
            if (kicked.isEmpty()) {
                throw AdminException.notFound("client " + clientId + " is not connected to any gateway");
            }
            return Reply.ok(Map.of("clientId", clientId, "kicked", true, "gateway", kicked.get(0)));
        });
    }

    /** Asks every gateway to close {@code clientId}'s connection; completes with the ids of those that did. */
    private CompletableFuture<List<String>> kickEverywhere(String clientId) {
        return ask(sortedNodes(null), LocalClients.Request.kick(clientId)).thenApply(answers -> answers.stream()
                .filter(a -> a.error() == null && Boolean.TRUE.equals(a.reply().kicked())).map(a -> a.node().id()).toList());
    }

    // ---- persistent sessions ----

    CompletableFuture<Reply> sessions(String prefix, int limit) {
        return timed(meta.sessions(prefix, limit)).thenApply(list -> Reply.ok(Map.of("sessions",
                list.stream().map(this::sessionView).toList())));
    }

    CompletableFuture<Reply> session(String clientId) {
        return findSession(clientId).thenApply(s -> Reply.ok(sessionView(s)));
    }

    private CompletableFuture<SessionSummary> findSession(String clientId) {
        return timed(meta.sessions(clientId, 1)).thenApply(list -> list.stream().filter(s -> s.clientId().equals(clientId))
                .findFirst().orElseThrow(() -> AdminException.notFound("no persistent session of client " + clientId)));
    }

    /** Ends a persistent session: its connection (if any) is closed first, then meta forgets it. */
    CompletableFuture<Reply> deleteSession(String clientId) {
        return findSession(clientId).thenCompose(s -> kickEverywhere(clientId))
                .thenCompose(kicked -> timed(meta.dropSession(clientId)).thenApply(v -> {
                    Map<String, Object> body = new LinkedHashMap<>();
                    body.put("clientId", clientId);
                    body.put("deleted", true);
                    body.put("kicked", !kicked.isEmpty());
                    return Reply.ok(body);
                }));
    }

    private Map<String, Object> sessionView(SessionSummary s) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("clientId", s.clientId());
        view.put("owner", s.ownerNodeId());
        view.put("online", s.ownerNodeId() != null && meta.node(s.ownerNodeId()).isPresent());
        view.put("subscriptions", s.subscriptions());
        view.put("expiryMillis", s.expiryMillis());
        view.put("expiresAt", s.expireAtMillis() == 0 ? null : Instant.ofEpochMilli(s.expireAtMillis()).toString());
        return view;
    }

    // ---- subscriptions ----

    CompletableFuture<Reply> subscriptionsOfClient(String clientId) {
        return findClient(clientId).thenCombine(timed(meta.subscriptions(clientId)), (connected, persistent) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("clientId", clientId);
            if (connected.isPresent()) {
                body.put("online", true);
                body.put("gateway", connected.get().gateway());
                body.put("subscriptions", connected.get().filters().entrySet().stream()
                        .map(e -> new Subscription(e.getKey(), e.getValue())).toList());
            } else if (!persistent.isEmpty()) {
                body.put("online", false);
                body.put("subscriptions", persistent);
            } else {
                throw AdminException.notFound("client " + clientId + " is not connected and has no persistent subscriptions");
            }
            return Reply.ok(body);
        });
    }

    CompletableFuture<Reply> subscriptionsOfFilter(String filter, int limit) {
        try {
            Topics.validateFilter(filter);
        } catch (InvalidTopicException e) {
            throw AdminException.badRequest("invalid filter: " + e.getMessage());
        }
        return ask(sortedNodes(null), LocalClients.Request.subscribers(filter, limit)).thenApply(answers -> {
            List<Map<String, Object>> subscribers = answers.stream().filter(a -> a.error() == null)
                    .flatMap(a -> a.reply().clients().stream())
                    .sorted(Comparator.comparing(ClientInfo::clientId)).limit(limit)
                    .map(c -> {
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("clientId", c.clientId());
                        m.put("gateway", c.gateway());
                        m.put("qos", c.filters().get(filter));
                        return m;
                    }).toList();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("filter", filter);
            body.put("subscribers", subscribers);
            List<Unreachable> unreachable = unreachable(answers);
            if (!unreachable.isEmpty()) {
                body.put("unreachable", unreachable);
            }
            return Reply.ok(body);
        });
    }

    // ---- retained ----

    /** Retained messages under whole topic levels starting at {@code prefix} ("a/b": a/b and a/b/...). */
    CompletableFuture<Reply> retained(String prefix, int limit) {
        String filter;
        if (prefix.isEmpty()) {
            filter = "#";
        } else {
            String base = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
            filter = base + "/#";
            try {
                Topics.validateFilter(filter);
            } catch (InvalidTopicException e) {
                throw AdminException.badRequest("invalid topic prefix: " + e.getMessage());
            }
        }
        return timed(meta.retained(filter)).thenApply(list -> Reply.ok(Map.of("retained", list.stream().limit(limit)
                .map(m -> retainedView(m, false)).toList())));
    }

    CompletableFuture<Reply> retainedMessage(String topic) {
        return findRetained(topic).thenApply(m -> Reply.ok(retainedView(m, true)));
    }

    CompletableFuture<Reply> deleteRetained(String topic) {
        return findRetained(topic).thenCompose(m -> timed(meta.retain(new RetainedMessage(topic, new byte[0], 0))))
                .thenApply(v -> Reply.ok(Map.of("topic", topic, "deleted", true)));
    }

    private CompletableFuture<RetainedMessage> findRetained(String topic) {
        validateTopic(topic);
        return timed(meta.retained(topic)).thenApply(list -> list.stream().findFirst()
                .orElseThrow(() -> AdminException.notFound("no retained message on " + topic)));
    }

    private static Map<String, Object> retainedView(RetainedMessage m, boolean withPayload) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("topic", m.topic());
        view.put("qos", m.qos());
        view.put("size", m.payload().length);
        if (withPayload) {
            view.put("payload", utf8(m.payload()));
            view.put("payloadBase64", Base64.getEncoder().encodeToString(m.payload()));
        }
        return view;
    }

    /** The payload as text if it is valid UTF-8, else null (then only the base64 form is shown). */
    private static String utf8(byte[] payload) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(payload)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    // ---- publish ----

    /** The body of {@code POST /api/v1/publish}. */
    public record PublishBody(String topic, String payload, String payloadBase64, Integer qos, Boolean retain) {}

    CompletableFuture<Reply> publish(byte[] body) {
        PublishBody p;
        try {
            p = Json.MAPPER.treeToValue(Json.tree(body), PublishBody.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw AdminException.badRequest("bad publish request: " + e.getOriginalMessage());
        }
        if (p.topic() == null) {
            throw AdminException.badRequest("topic is required");
        }
        if (p.payload() != null && p.payloadBase64() != null) {
            throw AdminException.badRequest("give payload or payloadBase64, not both");
        }
        byte[] payload;
        try {
            payload = p.payloadBase64() != null ? Base64.getDecoder().decode(p.payloadBase64())
                    : Objects.requireNonNullElse(p.payload(), "").getBytes(StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw AdminException.badRequest("payloadBase64 is not base64: " + e.getMessage());
        }
        int qos = p.qos() == null ? 0 : p.qos();
        boolean retain = Boolean.TRUE.equals(p.retain());
        return timed(publishing.inject(p.topic(), payload, qos, retain, PUBLISHER)).thenApply(v -> {
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("topic", p.topic());
            reply.put("qos", qos);
            reply.put("retain", retain);
            reply.put("size", payload.length);
            reply.put("published", true);
            return Reply.ok(reply);
        });
    }

    // ---- topics ----

    CompletableFuture<Reply> topics(String prefix, int limit) {
        List<String> filters = meta.filtersInUse().stream().filter(f -> f.startsWith(prefix)).sorted().limit(limit).toList();
        Map<String, String> lmqs = new LinkedHashMap<>();
        filters.forEach(f -> lmqs.put(f, LmqNames.of(f)));
        return timed(store.maxOffsets(lmqs.values())).thenApply(offsets -> {
            List<Map<String, Object>> inUse = new ArrayList<>();
            lmqs.forEach((filter, lmq) -> {
                Map<String, Object> f = new LinkedHashMap<>();
                f.put("filter", filter);
                f.put("lmq", lmq);
                Map<String, Long> max = offsets.get(lmq);
                if (max == null) {
                    f.put("error", "the LMQ's offsets could not be read");
                } else {
                    f.put("maxOffsets", max);
                    // Read positions live in the sessions, not in the broker: the backlog is the LMQ's length.
                    f.put("backlog", max.values().stream().mapToLong(Long::longValue).sum());
                }
                inUse.add(f);
            });
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("rules", mapper.rules().stream().map(r -> Map.of("filter", r.filter(), "rocketTopic", r.rocketTopic()))
                    .toList());
            body.put("defaultTopic", mapper.defaultTopic());
            body.put("filters", inUse);
            return Reply.ok(body);
        });
    }

    // ---- helpers ----

    static void validateTopic(String topic) {
        try {
            Topics.validateTopicName(topic);
        } catch (InvalidTopicException e) {
            throw AdminException.badRequest("invalid topic: " + e.getMessage());
        }
    }

    private List<GatewayNode> sortedNodes(String only) {
        return meta.liveNodes().stream().filter(n -> only == null || n.id().equals(only))
                .sorted(Comparator.comparing(GatewayNode::id)).toList();
    }

    /** Asks each gateway the same question about its clients; a gateway that fails is listed with why. */
    private CompletableFuture<List<Answer>> ask(Collection<GatewayNode> nodes, LocalClients.Request request) {
        byte[] body = Json.bytes(request);
        List<CompletableFuture<Answer>> each = nodes.stream().map(node -> notify.admin(node.notifyAddress(), body)
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS)
                .thenApply(reply -> new Answer(node, Json.read(reply, LocalClients.Reply.class), null))
                .exceptionally(e -> new Answer(node, null, message(e)))).toList();
        return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
                .thenApply(v -> each.stream().map(CompletableFuture::join).toList());
    }

    private static List<Unreachable> unreachable(List<Answer> answers) {
        return answers.stream().filter(a -> a.error() != null).map(a -> new Unreachable(a.node().id(), a.error())).toList();
    }

    private <T> CompletableFuture<T> timed(CompletableFuture<T> call) {
        return call.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    static String message(Throwable e) {
        Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
        if (cause instanceof java.util.concurrent.TimeoutException) {
            return "no answer in time";
        }
        return cause.getMessage() != null ? cause.getMessage() : cause.getClass().getSimpleName();
    }
}
