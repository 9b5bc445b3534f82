package org.rmqtt.gateway.auth;

import org.rmqtt.common.health.Counters;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ACL checks of PUBLISH, SUBSCRIBE and wills. Without an ACL file everything is allowed.
 * Decisions are remembered per connection and topic (a bounded map: the per-message cost is one
 * lookup); a reload of the file starts each connection's memory afresh.
 */
public final class Authorizer {
    private static final Logger LOG = LoggerFactory.getLogger(Authorizer.class);
    /** Allows everything, and knows no identities: for gateways built without {@link Security}. */
    public static final Authorizer ALLOW_ALL = new Authorizer(null, new Counters());
    private static final AttributeKey<Client> KEY = AttributeKey.valueOf("rmqtt.auth");
    /** Decisions remembered per connection. */
    private static final int CACHE_SIZE = 64;

    /** Null: no ACL file, all allowed. */
    private final ReloadingFile<Acl> acl;
    private final Counters counters;

    Authorizer(ReloadingFile<Acl> acl, Counters counters) {
        this.acl = acl;
        this.counters = counters;
    }

    /** Records who the connection is, once it was let in. */
    public static void identify(Channel channel, Identity identity) {
        channel.attr(KEY).set(new Client(identity));
    }

    /** Who the connection is, or null before CONNECT was accepted. */
    public static Identity identity(Channel channel) {
        Client c = channel.attr(KEY).get();
        return c == null ? null : c.identity;
    }

    /** Whether the connection may publish to {@code topic}; a refusal is counted and logged at DEBUG. */
    public boolean mayPublish(Channel channel, String topic) {
        if (acl == null) {
            return true;
        }
        boolean allowed = decide(channel, 'w', topic);
        if (!allowed) {
            counters.increment(Counters.Name.ACL_PUBLISH_DENIED);
            LOG.debug("ACL: {} may not publish to {}", identity(channel), topic);
        }
        return allowed;
    }

    /** Whether the connection may subscribe to {@code filter}; a refusal is counted. */
    public boolean maySubscribe(Channel channel, String filter) {
        if (acl == null) {
            return true;
        }
        boolean allowed = decide(channel, 'r', filter);
        if (!allowed) {
            counters.increment(Counters.Name.ACL_SUBSCRIBE_DENIED);
        }
        return allowed;
    }

    /** Whether a will of {@code who} may go to {@code topic}; checked once at CONNECT, not remembered. */
    public boolean mayPublishWill(Identity who, String topic) {
        if (acl == null || acl.current().mayPublish(who, topic)) {
            return true;
        }
        counters.increment(Counters.Name.ACL_WILL_DENIED);
        return false;
    }

    private boolean decide(Channel channel, char action, String topic) {
        Client client = channel.attr(KEY).get();
        Acl rules = acl.current();
        if (client == null) {
            return false; // not let in: nothing is allowed
        }
        return client.decide(rules, action, topic);
    }

    /** One connection's identity and remembered decisions. */
    private static final class Client {
        final Identity identity;
        private Acl rules;
        private Map<String, Boolean> decisions;

        Client(Identity identity) {
            this.identity = identity;
        }

        synchronized boolean decide(Acl current, char action, String topic) {
            if (rules != current || decisions == null) {
                rules = current;
                decisions = new LinkedHashMap<>(16, 0.75f, true) {
                    @Override
                    protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
                        return size() > CACHE_SIZE;
                    }
                };
            }
            String key = action + topic;
            Boolean known = decisions.get(key);
            if (known == null) {
                known = action == 'w' ? current.mayPublish(identity, topic) : current.maySubscribe(identity, topic);
                decisions.put(key, known);
            }
            return known;
        }
    }
}
