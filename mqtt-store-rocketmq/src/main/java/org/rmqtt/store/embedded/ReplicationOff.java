package org.rmqtt.store.embedded;

import java.io.IOException;
import java.lang.reflect.Field;
import org.apache.rocketmq.store.DefaultMessageStore;
import org.apache.rocketmq.store.MessageStore;
import org.apache.rocketmq.store.config.BrokerRole;
import org.apache.rocketmq.store.ha.DefaultHAService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Replication to slave brokers (RocketMQ's HA) is off on the embedded broker. RocketMQ's HA service
 * listens on a port of every network interface (it has no bind-address setting) and streams the
 * whole commitlog to whoever connects there as a slave. The embedded broker has no slaves, and
 * cannot get one: its name server, where a slave would find it, listens on 127.0.0.1 only. So the
 * service is never started: no listening port, and its acceptor and connection-state threads do
 * not run. It stays in place for the broker's questions (how many slaves: none). The only caller
 * that would wait on it is a {@code SYNC_MASTER}'s write, which this asynchronous master never is.
 */
final class ReplicationOff extends DefaultHAService {
    private static final Logger LOG = LoggerFactory.getLogger(ReplicationOff.class);

    private ReplicationOff() {
    }

    @Override
    public void start() {
        // Nothing listens, nothing runs.
    }

    /** After the broker initialized (its store is loaded), before it starts. */
    static void install(MessageStore messageStore) {
        if (!(messageStore instanceof DefaultMessageStore store)
                || store.getMessageStoreConfig().getBrokerRole() != BrokerRole.ASYNC_MASTER) {
            return;
        }
        try {
            ReplicationOff off = new ReplicationOff();
            off.init(store);
            Field field = DefaultMessageStore.class.getDeclaredField("haService");
            field.setAccessible(true);
            if (!(field.get(store) instanceof DefaultHAService)) {
                throw new IllegalStateException("the store's HA service is a " + field.get(store));
            }
            field.set(store, off);
        } catch (ReflectiveOperationException | IOException | RuntimeException e) {
            LOG.warn("Could not turn off the embedded broker's replication: RocketMQ's HA service listens on port {} of"
                    + " every network interface, where anyone who connects reads the stored messages; firewall it",
                    store.getMessageStoreConfig().getHaListenPort(), e);
        }
    }
}
