package org.rmqtt.meta.state;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.StoredSession;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.codec.BinaryReader;
import org.rmqtt.meta.codec.BinaryWriter;
import org.rmqtt.meta.codec.Command;
import org.rmqtt.meta.codec.MetaCodec;
import org.rmqtt.meta.codec.ViewChange;
import org.rmqtt.meta.state.Records.NodeRecord;
import org.rmqtt.meta.state.Records.OwnerRecord;
import org.rmqtt.meta.state.Records.SessionRecord;
import org.rmqtt.meta.state.Records.WillRecord;

/**
 * What each {@link Command} does to the state, inside one {@link Transaction}. Deterministic: it
 * reads only the store and the entry's time, so every peer computes the same result.
 */
final class Commands {

    /** At most this many sessions end in one expiry entry, so one entry stays small. */
    static final int MAX_EXPIRED_SESSIONS = 10_000;

    private final Transaction tx;
    private final long now;

    Commands(Transaction tx, long now) {
        this.tx = tx;
        this.now = now;
    }

    /**
     * @return null, a {@link SessionClaim}, a Boolean, a list of wills, or for a batch the list of
     *     its commands' results in order
     */
    Object apply(Command command) throws IOException {
        if (command instanceof Command.Batch batch) {
            List<Object> results = new ArrayList<>(batch.commands().size());
            for (Command sub : batch.commands()) {
                results.add(apply(sub));
            }
            return results;
        } else if (command instanceof Command.Heartbeat c) {
            heartbeat(c);
        } else if (command instanceof Command.Leave c) {
            removeNode(c.nodeId(), true);
        } else if (command instanceof Command.AddFilter c) {
            addFilter(c.nodeId(), c.filter());
        } else if (command instanceof Command.RemoveFilter c) {
            removeFilter(c.nodeId(), c.filter());
        } else if (command instanceof Command.ClaimSession c) {
            return claim(c.clientId(), c.nodeId(), c.clean(), c.expiryMillis());
        } else if (command instanceof Command.ReleaseSession c) {
            return release(c.clientId(), c.nodeId(), c.epoch());
        } else if (command instanceof Command.ReclaimSession c) {
            return reclaim(c.clientId(), c.nodeId(), c.epoch());
        } else if (command instanceof Command.SaveSession c) {
            return save(c);
        } else if (command instanceof Command.AddSubscription c) {
            addSubscription(c.clientId(), c.subscription().filter(), c.subscription().qos());
        } else if (command instanceof Command.RemoveSubscription c) {
            removeSubscription(c.clientId(), c.filter());
        } else if (command instanceof Command.DropSession c) {
            endSession(c.clientId());
        } else if (command instanceof Command.Retain c) {
            return retain(c);
        } else if (command instanceof Command.StoreWill c) {
            tx.put(Keys.key(Keys.WILL, c.nodeId(), c.will().clientId()), Records.will(new WillRecord(c.epoch(), c.will())));
        } else if (command instanceof Command.ClearWill c) {
            return clearWill(c.nodeId(), c.clientId(), c.epoch());
        } else if (command instanceof Command.TakeWills c) {
            return takeWills(c.nodeId());
        } else if (command instanceof Command.ExpireLeases) {
            expireLeases();
        } else if (command instanceof Command.ExpireSessions) {
            expireSessions();
        } else {
            throw new IllegalStateException("no handler for " + command);
        }
        return null;
    }

    private void heartbeat(Command.Heartbeat c) throws IOException {
        byte[] key = Keys.key(Keys.NODE, c.node().id());
        byte[] previous = tx.get(key);
        tx.put(key, Records.node(new NodeRecord(c.node(), now + c.leaseMillis(), c.leaseMillis())));
        // Back within the grace: the filters it kept are its own again.
        byte[] grace = Keys.key(Keys.FILTER_GRACE, c.node().id());
        if (tx.get(grace) != null) {
            tx.delete(grace);
        }
        // Only a new node or new addresses change the view; plain renewals do not.
        if (previous == null || !Records.node(previous).node().equals(c.node())) {
            tx.change(new ViewChange.NodeUp(c.node()));
        }
    }

    /**
     * @param dropFilters false when a lease expired: the node's filters stay in use for one more
     *                    lease ({@link Keys#FILTER_GRACE}), so messages stored meanwhile still
     *                    reach the LMQs its sessions read when it comes back
     */
    private void removeNode(String nodeId, boolean dropFilters) throws IOException {
        byte[] key = Keys.key(Keys.NODE, nodeId);
        byte[] record = tx.get(key);
        if (record != null) {
            tx.delete(key);
            tx.change(new ViewChange.NodeDown(nodeId));
        }
        if (dropFilters) {
            dropFilters(nodeId);
        } else if (record != null) {
            tx.put(Keys.key(Keys.FILTER_GRACE, nodeId),
                    new BinaryWriter().i64(now + Records.node(record).leaseMillis()).toByteArray());
        }
        // The node's connections are gone: its sessions are no longer owned, persistent ones start expiring.
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.NODE_SESSION, nodeId))) {
            String clientId = Keys.parts(entry[0])[1];
            tx.delete(entry[0]);
            byte[] ownerKey = Keys.key(Keys.OWNER, clientId);
            byte[] owner = tx.get(ownerKey);
            if (owner != null && Records.owner(owner).nodeId().equals(nodeId)) {
                tx.delete(ownerKey);
                startExpiry(clientId);
            }
        }
    }

    private void dropFilters(String nodeId) throws IOException {
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.NODE_FILTER, nodeId))) {
            tx.delete(entry[0]);
            tx.change(new ViewChange.FilterReleased(Keys.parts(entry[0])[1], nodeId));
        }
        byte[] grace = Keys.key(Keys.FILTER_GRACE, nodeId);
        if (tx.get(grace) != null) {
            tx.delete(grace);
        }
    }

    private void expireLeases() throws IOException {
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.NODE))) {
            if (Records.node(entry[1]).expiresAtMillis() <= now) {
                removeNode(Keys.first(entry[0]), false);
            }
        }
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.FILTER_GRACE))) {
            if (new BinaryReader(entry[1]).i64() <= now) {
                dropFilters(Keys.first(entry[0]));
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

    private SessionClaim claim(String clientId, String nodeId, boolean clean, long expiryMillis) throws IOException {
        long epoch = tx.getLong(Keys.LAST_EPOCH, 0) + 1;
        tx.put(Keys.LAST_EPOCH, new BinaryWriter().i64(epoch).toByteArray());
        byte[] key = Keys.key(Keys.OWNER, clientId);
        byte[] previous = tx.get(key);
        OwnerRecord displaced = previous == null ? null : Records.owner(previous);
        if (displaced != null) {
            tx.delete(Keys.key(Keys.NODE_SESSION, displaced.nodeId(), clientId));
        }
        own(clientId, nodeId, epoch);

        StoredSession session = null;
        if (clean) {
            endSession(clientId);
        } else {
            byte[] sessionKey = Keys.key(Keys.SESSION, clientId);
            byte[] value = tx.get(sessionKey);
            List<Subscription> subscriptions = subscriptions(clientId);
            byte[] state = new byte[0];
            if (value != null) {
                SessionRecord record = Records.session(value);
                state = record.state();
                dropExpiryKey(clientId, record);
            }
            // Subscriptions without a record: a session kept by a build that had no session records.
            if (value != null || !subscriptions.isEmpty()) {
                session = new StoredSession(subscriptions, state);
            }
            tx.put(sessionKey, Records.session(new SessionRecord(expiryMillis, 0, state)));
        }
        return displaced == null
                ? new SessionClaim(epoch, null, 0, session)
                : new SessionClaim(epoch, displaced.nodeId(), displaced.epoch(), session);
    }

    /** Makes {@code nodeId} the owner of {@code clientId} at {@code epoch}, indexed by node. */
    private void own(String clientId, String nodeId, long epoch) throws IOException {
        tx.put(Keys.key(Keys.OWNER, clientId), Records.owner(new OwnerRecord(nodeId, epoch)));
        tx.put(Keys.key(Keys.NODE_SESSION, nodeId, clientId), new byte[0]);
    }

    /** Removes the expiry index entry of a session record, if its clock is running. */
    private void dropExpiryKey(String clientId, SessionRecord record) throws IOException {
        if (record.expireAtMillis() != 0) {
            tx.delete(Keys.expiryKey(record.expireAtMillis(), clientId));
        }
    }

    private boolean owns(String clientId, String nodeId, long epoch) throws IOException {
        byte[] value = tx.get(Keys.key(Keys.OWNER, clientId));
        return value != null && Records.owner(value).equals(new OwnerRecord(nodeId, epoch));
    }

    private boolean release(String clientId, String nodeId, long epoch) throws IOException {
        if (!owns(clientId, nodeId, epoch)) {
            return false;
        }
        tx.delete(Keys.key(Keys.OWNER, clientId));
        tx.delete(Keys.key(Keys.NODE_SESSION, nodeId, clientId));
        startExpiry(clientId);
        return true;
    }

    private boolean reclaim(String clientId, String nodeId, long epoch) throws IOException {
        byte[] key = Keys.key(Keys.OWNER, clientId);
        byte[] value = tx.get(key);
        if (value != null) {
            return Records.owner(value).equals(new OwnerRecord(nodeId, epoch));
        }
        own(clientId, nodeId, epoch);
        byte[] sessionKey = Keys.key(Keys.SESSION, clientId);
        byte[] session = tx.get(sessionKey);
        if (session != null) {
            // Owned again: its expiry clock stops.
            SessionRecord record = Records.session(session);
            if (record.expireAtMillis() != 0) {
                dropExpiryKey(clientId, record);
                tx.put(sessionKey, Records.session(new SessionRecord(record.expiryMillis(), 0, record.state())));
            }
        }
        return true;
    }

    private boolean save(Command.SaveSession c) throws IOException {
        byte[] sessionKey = Keys.key(Keys.SESSION, c.clientId());
        byte[] value = tx.get(sessionKey);
        if (value == null || !owns(c.clientId(), c.nodeId(), c.epoch())) {
            return false;
        }
        SessionRecord record = Records.session(value);
        tx.put(sessionKey, Records.session(new SessionRecord(record.expiryMillis(), record.expireAtMillis(), c.state())));
        if (c.release()) {
            release(c.clientId(), c.nodeId(), c.epoch());
        }
        return true;
    }

    /** A persistent session that nobody owns any more ends after its expiry, counted from now. */
    private void startExpiry(String clientId) throws IOException {
        byte[] sessionKey = Keys.key(Keys.SESSION, clientId);
        byte[] value = tx.get(sessionKey);
        if (value == null) {
            return;
        }
        SessionRecord record = Records.session(value);
        dropExpiryKey(clientId, record);
        long expireAt = 0;
        if (record.expiryMillis() > 0) {
            // At least 1: 0 means "not expiring"; saturate instead of overflowing.
            expireAt = Math.max(1, now + record.expiryMillis() < now ? Long.MAX_VALUE : now + record.expiryMillis());
            tx.put(Keys.expiryKey(expireAt, clientId), new byte[0]);
        }
        tx.put(sessionKey, Records.session(new SessionRecord(record.expiryMillis(), expireAt, record.state())));
    }

    /** Forgets a persistent session: its subscriptions (releasing their filters), its state and expiry. */
    private void endSession(String clientId) throws IOException {
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.SUBSCRIPTION, clientId))) {
            removeSubscription(clientId, Keys.parts(entry[0])[1]);
        }
        byte[] sessionKey = Keys.key(Keys.SESSION, clientId);
        byte[] value = tx.get(sessionKey);
        if (value != null) {
            SessionRecord record = Records.session(value);
            dropExpiryKey(clientId, record);
            tx.delete(sessionKey);
        }
    }

    private void expireSessions() throws IOException {
        List<byte[][]> due = tx.range(Keys.prefix(Keys.SESSION_EXPIRY), Keys.expiryBound(now), MAX_EXPIRED_SESSIONS);
        for (byte[][] entry : due) {
            String clientId = Keys.expiryClient(entry[0]);
            tx.delete(entry[0]);
            if (tx.get(Keys.key(Keys.OWNER, clientId)) != null) {
                // Owned again (a claim cancels the expiry; this only repairs a stray index entry).
                continue;
            }
            byte[] value = tx.get(Keys.key(Keys.SESSION, clientId));
            if (value != null && Records.session(value).expireAtMillis() == Keys.expiryTime(entry[0])) {
                endSession(clientId);
            }
        }
    }

    private List<Subscription> subscriptions(String clientId) {
        List<Subscription> result = new ArrayList<>();
        for (byte[][] entry : tx.scan(Keys.prefix(Keys.SUBSCRIPTION, clientId))) {
            result.add(new Subscription(Keys.parts(entry[0])[1], entry[1][0]));
        }
        return result;
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

    /** Sets, replaces or clears; false when a new topic would exceed the bound. */
    private boolean retain(Command.Retain c) throws IOException {
        byte[] key = Keys.key(Keys.RETAINED, c.message().topic());
        boolean present = tx.get(key) != null;
        int count = Records.count(tx.get(Keys.RETAINED_COUNT));
        if (c.message().clears()) {
            if (present) {
                tx.delete(key);
                tx.put(Keys.RETAINED_COUNT, Records.count(Math.max(0, count - 1)));
            }
            return true;
        }
        if (!present) {
            if (c.maxTopics() > 0 && count >= c.maxTopics()) {
                return false;
            }
            tx.put(Keys.RETAINED_COUNT, Records.count(count + 1));
        }
        tx.put(key, MetaCodec.writeRetained(new BinaryWriter(), c.message()).toByteArray());
        return true;
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
