package org.rmqtt.meta.state;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.codec.BinaryWriter;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import org.rmqtt.meta.codec.ViewChange;
import org.rmqtt.meta.state.Records.NodeRecord;
import org.rmqtt.meta.state.Records.OwnerRecord;
import org.rmqtt.meta.state.Records.WillRecord;

/**
 * What each {@link Command} does to the state, inside one {@link Transaction}. Deterministic: it
 * reads only the store and the entry's time, so every peer computes the same result.
 */
final class Commands {

    private final Transaction tx;
    private final long now;

    Commands(Transaction tx, long now) {
        this.tx = tx;
        this.now = now;
    }

    Object apply(Command command) throws IOException {
        if (command instanceof Command.Heartbeat c) {
            heartbeat(c);
        } else if (command instanceof Command.Leave c) {
            removeNode(c.nodeId());
        } else if (command instanceof Command.AddFilter c) {
            addFilter(c.nodeId(), c.filter());
        } else if (command instanceof Command.RemoveFilter c) {
            removeFilter(c.nodeId(), c.filter());
        } else if (command instanceof Command.ClaimSession c) {
            return claim(c.clientId(), c.nodeId());
        } else if (command instanceof Command.ReleaseSession c) {
            return release(c.clientId(), c.nodeId(), c.epoch());
        } else if (command instanceof Command.AddSubscription c) {
            addSubscription(c.clientId(), c.subscription().filter(), c.subscription().qos());
        } else if (command instanceof Command.RemoveSubscription c) {
            removeSubscription(c.clientId(), c.filter());
        } else if (command instanceof Command.DropSession c) {
            for (byte[][] entry : tx.scan(Keys.prefix(Keys.SUBSCRIPTION, c.clientId()))) {
                removeSubscription(c.clientId(), Keys.parts(entry[0])[1]);
            }
        } else if (command instanceof Command.Retain c) {
            byte[] key = Keys.key(Keys.RETAINED, c.message().topic());
            if (c.message().clears()) {
                tx.delete(key);
            } else {
                tx.put(key, MetaCodec.writeRetained(new BinaryWriter(), c.message()).toByteArray());
            }
        } else if (command instanceof Command.StoreWill c) {
            tx.put(Keys.key(Keys.WILL, c.nodeId(), c.will().clientId()), Records.will(new WillRecord(c.epoch(), c.will())));
        } else if (command instanceof Command.ClearWill c) {
            return clearWill(c.nodeId(), c.clientId(), c.epoch());
        } else if (command instanceof Command.TakeWills c) {
            return takeWills(c.nodeId());
        } else if (command instanceof Command.ExpireLeases) {
            expireLeases();
        } else {
            throw new IllegalStateException("no handler for " + command);
        }
        return null;
    }

    private void heartbeat(Command.Heartbeat c) throws IOException {
        byte[] key = Keys.key(Keys.NODE, c.node().id());
        byte[] previous = tx.get(key);
        tx.put(key, Records.node(new NodeRecord(c.node(), now + c.leaseMillis())));
        // Only a new node or new addresses change the view; plain renewals do not.
        if (previous == null || !Records.node(previous).node().equals(c.node())) {
            tx.change(new ViewChange.NodeUp(c.node()));
        }
    }

    private void removeNode(String nodeId) throws IOException {
        byte[] key = Keys.key(Keys.NODE, nodeId);
        if (tx.get(key) != null) {
            tx.delete(key);
            tx.change(new ViewChange.NodeDown(nodeId));
        }
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.NODE_FILTER, nodeId))) {
            tx.delete(entry[0]);
            tx.change(new ViewChange.FilterReleased(Keys.parts(entry[0])[1], nodeId));
        }
    }

    private void expireLeases() throws IOException {
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.NODE))) {
            if (Records.node(entry[1]).expiresAtMillis() <= now) {
                removeNode(Keys.first(entry[0]));
            }
        }
    }

    private boolean live(String nodeId) throws IOException {
        byte[] value = tx.get(Keys.key(Keys.NODE, nodeId));
        return value != null && Records.node(value).expiresAtMillis() > now;
    }

    private void addFilter(String nodeId, String filter) throws IOException {
        byte[] key = Keys.key(Keys.NODE_FILTER, nodeId, filter);
        if (tx.get(key) == null) {
            tx.put(key, new byte[0]);
            tx.change(new ViewChange.FilterHeld(filter, nodeId));
        }
    }

    private void removeFilter(String nodeId, String filter) throws IOException {
        byte[] key = Keys.key(Keys.NODE_FILTER, nodeId, filter);
        if (tx.get(key) != null) {
            tx.delete(key);
            tx.change(new ViewChange.FilterReleased(filter, nodeId));
        }
    }

    private SessionClaim claim(String clientId, String nodeId) throws IOException {
        long epoch = tx.getLong(Keys.LAST_EPOCH, 0) + 1;
        tx.put(Keys.LAST_EPOCH, new BinaryWriter().i64(epoch).toByteArray());
        byte[] key = Keys.key(Keys.OWNER, clientId);
        byte[] previous = tx.get(key);
        tx.put(key, Records.owner(new OwnerRecord(nodeId, epoch)));
        if (previous == null) {
            return new SessionClaim(epoch, null, 0);
        }
        OwnerRecord owner = Records.owner(previous);
        return new SessionClaim(epoch, owner.nodeId(), owner.epoch());
    }

    private boolean release(String clientId, String nodeId, long epoch) throws IOException {
        byte[] key = Keys.key(Keys.OWNER, clientId);
        byte[] value = tx.get(key);
        if (value == null || !Records.owner(value).equals(new OwnerRecord(nodeId, epoch))) {
            return false;
        }
        tx.delete(key);
        return true;
    }

    private void addSubscription(String clientId, String filter, int qos) throws IOException {
        byte[] key = Keys.key(Keys.SUBSCRIPTION, clientId, filter);
        boolean existed = tx.get(key) != null;
        tx.put(key, new byte[] {(byte) qos});
        if (!existed) {
            byte[] countKey = Keys.key(Keys.SESSION_FILTER, filter);
            int count = Records.count(tx.get(countKey));
            tx.put(countKey, Records.count(count + 1));
            if (count == 0) {
                tx.change(new ViewChange.FilterHeld(filter, null));
            }
        }
    }

    private void removeSubscription(String clientId, String filter) throws IOException {
        byte[] key = Keys.key(Keys.SUBSCRIPTION, clientId, filter);
        if (tx.get(key) == null) {
            return;
        }
        tx.delete(key);
        byte[] countKey = Keys.key(Keys.SESSION_FILTER, filter);
        int count = Records.count(tx.get(countKey));
        if (count <= 1) {
            tx.delete(countKey);
            tx.change(new ViewChange.FilterReleased(filter, null));
        } else {
            tx.put(countKey, Records.count(count - 1));
        }
    }

    private boolean clearWill(String nodeId, String clientId, long epoch) throws IOException {
        byte[] key = Keys.key(Keys.WILL, nodeId, clientId);
        byte[] value = tx.get(key);
        if (value == null || Records.will(value).epoch() != epoch) {
            return false;
        }
        tx.delete(key);
        return true;
    }

    private List<WillMessage> takeWills(String nodeId) throws IOException {
        if (live(nodeId)) {
            return List.of();
        }
        List<WillMessage> wills = new ArrayList<>();
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.WILL, nodeId))) {
            wills.add(Records.will(entry[1]).will());
            tx.delete(entry[0]);
        }
        return wills;
    }
}
