package org.rmqtt.meta.codec;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.rmqtt.meta.GatewayNode;
import org.rmqtt.meta.RetainedMessage;
import java.util.Optional;
import org.rmqtt.meta.SessionClaim;
import org.rmqtt.meta.SessionSummary;
import org.rmqtt.meta.StoredSession;
import org.rmqtt.meta.Subscription;
import org.rmqtt.meta.WillMessage;
import org.rmqtt.meta.codec.Command.AddFilter;
import org.rmqtt.meta.codec.Command.AddSubscription;
import org.rmqtt.meta.codec.Command.Batch;
import org.rmqtt.meta.codec.Command.ClaimSession;
import org.rmqtt.meta.codec.Command.ClearWill;
import org.rmqtt.meta.codec.Command.DropSession;
import org.rmqtt.meta.codec.Command.ExpireLeases;
import org.rmqtt.meta.codec.Command.ExpireSessions;
import org.rmqtt.meta.codec.Command.Heartbeat;
import org.rmqtt.meta.codec.Command.Leave;
import org.rmqtt.meta.codec.Command.ReleaseSession;
import org.rmqtt.meta.codec.Command.RemoveFilter;
import org.rmqtt.meta.codec.Command.RemoveSubscription;
import org.rmqtt.meta.codec.Command.Retain;
import org.rmqtt.meta.codec.Command.SaveSession;
import org.rmqtt.meta.codec.Command.StoreWill;
import org.rmqtt.meta.codec.Command.TakeWills;

/**
 * The versioned binary encodings of the meta protocol: client requests, Raft log entries, queries
 * and replies. Every message starts with a format version byte; a reader that meets a version or
 * opcode it does not know fails with {@link CodecException} instead of guessing.
 *
 * <pre>
 * request   = version:u8 command
 * log entry = version:u8 time:i64 command       (time: the leader's clock, stamped on append)
 * command   = opcode:u8 fields...
 * query     = version:u8 opcode:u8 fields...
 * reply     = version:u8 fields...              (the reader knows what it asked)
 * batch     = opcode:u8 count:i32 command*      (no batch inside a batch)
 * batch reply = version:u8 count:i32 (length:i32 reply)*   (one reply per command, in order)
 * </pre>
 *
 * <p>Opcodes in use: 1-14 as written by writeCommand; 5 is the first clean-only claim,
 * still read (as a clean claim without expiry) but no longer written; 15 claim, 16 save session,
 * 17 expire sessions, 18 batch.
 */
public final class MetaCodec {

    /** The only format this build writes and reads. Bump it, and keep reading the old one, to change a layout. */
    public static final int VERSION = 1;

    /** A log entry: the command and the leader's wall clock when it was appended. */
    public record LogEntry(long timeMillis, Command command) {}

    private MetaCodec() {
    }

    // ---- requests and log entries ----

    public static byte[] encodeRequest(Command command) {
        BinaryWriter out = new BinaryWriter().u8(VERSION);
        writeCommand(out, command);
        return out.toByteArray();
    }

    public static Command decodeRequest(byte[] data) {
        return decode("request", data, in -> readCommand(in));
    }

    public static byte[] encodeLogEntry(long timeMillis, Command command) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).i64(timeMillis);
        writeCommand(out, command);
        return out.toByteArray();
    }

    public static LogEntry decodeLogEntry(byte[] data) {
        return decode("log entry", data, in -> new LogEntry(in.i64(), readCommand(in)));
    }

    private static void writeCommand(BinaryWriter out, Command command) {
        if (command instanceof Heartbeat c) {
            writeNode(out.u8(1), c.node()).i64(c.leaseMillis());
        } else if (command instanceof Leave c) {
            out.u8(2).str(c.nodeId());
        } else if (command instanceof AddFilter c) {
            out.u8(3).str(c.nodeId()).str(c.filter());
        } else if (command instanceof RemoveFilter c) {
            out.u8(4).str(c.nodeId()).str(c.filter());
        } else if (command instanceof ClaimSession c) {
            out.u8(15).str(c.clientId()).str(c.nodeId()).bool(c.clean()).i64(c.expiryMillis());
        } else if (command instanceof ReleaseSession c) {
            out.u8(6).str(c.clientId()).str(c.nodeId()).i64(c.epoch());
        } else if (command instanceof AddSubscription c) {
            out.u8(7).str(c.clientId()).str(c.subscription().filter()).u8(c.subscription().qos());
        } else if (command instanceof RemoveSubscription c) {
            out.u8(8).str(c.clientId()).str(c.filter());
        } else if (command instanceof DropSession c) {
            out.u8(9).str(c.clientId());
        } else if (command instanceof Retain c) {
            writeRetained(out.u8(20).i32(c.maxTopics()), c.message());
        } else if (command instanceof StoreWill c) {
            writeWill(out.u8(11).str(c.nodeId()).i64(c.epoch()), c.will());
        } else if (command instanceof ClearWill c) {
            out.u8(12).str(c.nodeId()).str(c.clientId()).i64(c.epoch());
        } else if (command instanceof TakeWills c) {
            out.u8(13).str(c.nodeId());
        } else if (command instanceof ExpireLeases) {
            out.u8(14);
        } else if (command instanceof SaveSession c) {
            out.u8(16).str(c.clientId()).str(c.nodeId()).i64(c.epoch()).bytes(c.state()).bool(c.release());
        } else if (command instanceof ExpireSessions) {
            out.u8(17);
        } else if (command instanceof Command.ReclaimSession c) {
            out.u8(19).str(c.clientId()).str(c.nodeId()).i64(c.epoch());
        } else if (command instanceof Batch c) {
            out.u8(18).i32(c.commands().size());
            c.commands().forEach(sub -> writeCommand(out, sub));
        } else {
            throw new IllegalArgumentException("no opcode for " + command);
        }
    }

    private static Command readCommand(BinaryReader in) {
        return readCommand(in, true);
    }

    private static Command readCommand(BinaryReader in, boolean batchAllowed) {
        int opcode = in.u8();
        return switch (opcode) {
            case 1 -> new Heartbeat(readNode(in), in.i64());
            case 2 -> new Leave(in.str());
            case 3 -> new AddFilter(in.str(), in.str());
            case 4 -> new RemoveFilter(in.str(), in.str());
            case 5 -> new ClaimSession(in.str(), in.str());
            case 6 -> new ReleaseSession(in.str(), in.str(), in.i64());
            case 7 -> new AddSubscription(in.str(), new Subscription(in.str(), in.u8()));
            case 8 -> new RemoveSubscription(in.str(), in.str());
            case 9 -> new DropSession(in.str());
            case 10 -> new Retain(readRetained(in));
            case 11 -> new StoreWill(in.str(), in.i64(), readWill(in));
            case 12 -> new ClearWill(in.str(), in.str(), in.i64());
            case 13 -> new TakeWills(in.str());
            case 14 -> new ExpireLeases();
            case 15 -> new ClaimSession(in.str(), in.str(), in.bool(), nonNegative(in.i64(), "session expiry"));
            case 16 -> new SaveSession(in.str(), in.str(), in.i64(), in.bytes(), in.bool());
            case 17 -> new ExpireSessions();
            case 19 -> new Command.ReclaimSession(in.str(), in.str(), in.i64());
            case 20 -> readRetain(in);
            case 18 -> {
                if (!batchAllowed) {
                    throw new CodecException("a meta command batch inside a batch");
                }
                yield new Batch(readList(in, 1, r -> readCommand(r, false)));
            }
            default -> throw new CodecException("unknown meta command opcode " + opcode);
        };
    }

    private static Retain readRetain(BinaryReader in) {
        long maxTopics = nonNegative(in.i32(), "retained topics bound");
        return new Retain(readRetained(in), (int) maxTopics);
    }

    private static long nonNegative(long value, String what) {
        if (value < 0) {
            throw new CodecException(what + " is negative: " + value);
        }
        return value;
    }

    // ---- queries ----

    public static byte[] encodeQuery(Query query) {
        BinaryWriter out = new BinaryWriter().u8(VERSION);
        if (query instanceof Query.ViewChanges q) {
            out.u8(1).i64(q.sinceIndex());
        } else if (query instanceof Query.ViewDump q) {
            out.u8(2).i32(q.limit()).bool(q.cursor() != null);
            if (q.cursor() != null) {
                out.bytes(q.cursor());
            }
        } else if (query instanceof Query.Subscriptions q) {
            out.u8(3).str(q.clientId());
        } else if (query instanceof Query.Retained q) {
            out.u8(4).str(q.filter());
        } else if (query instanceof Query.Session q) {
            out.u8(5).str(q.clientId());
        } else if (query instanceof Query.Sessions q) {
            out.u8(6).str(q.prefix()).i32(q.limit());
        } else {
            throw new IllegalArgumentException("no opcode for " + query);
        }
        return out.toByteArray();
    }

    public static Query decodeQuery(byte[] data) {
        return decode("query", data, in -> {
            int opcode = in.u8();
            return switch (opcode) {
                case 1 -> new Query.ViewChanges(in.i64());
                case 2 -> {
                    int limit = in.i32();
                    yield new Query.ViewDump(in.bool() ? in.bytes() : null, limit);
                }
                case 3 -> new Query.Subscriptions(in.str());
                case 4 -> new Query.Retained(in.str());
                case 5 -> new Query.Session(in.str());
                case 6 -> new Query.Sessions(in.str(), in.i32());
                default -> throw new CodecException("unknown meta query opcode " + opcode);
            };
        });
    }

    // ---- replies ----

    public static byte[] encodeUnit() {
        return new byte[] {VERSION};
    }

    public static void decodeUnit(byte[] data) {
        decode("reply", data, in -> null);
    }

    public static byte[] encodeBoolean(boolean value) {
        return new BinaryWriter().u8(VERSION).bool(value).toByteArray();
    }

    public static boolean decodeBoolean(byte[] data) {
        return decode("reply", data, BinaryReader::bool);
    }

    /** epoch:i64 previousNode:optStr previousEpoch:i64 present:bool [session]; a reply without the flag has no session. */
    public static byte[] encodeClaim(SessionClaim claim) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).i64(claim.epoch()).optStr(claim.previousNodeId())
                .i64(claim.previousEpoch());
        return writeOptionalSession(out, claim.session()).toByteArray();
    }

    public static SessionClaim decodeClaim(byte[] data) {
        return decode("reply", data, in -> new SessionClaim(in.i64(), in.optStr(), in.i64(),
                in.hasRemaining() ? readOptionalSession(in) : null));
    }

    public static byte[] encodeSession(Optional<StoredSession> session) {
        return writeOptionalSession(new BinaryWriter().u8(VERSION), session.orElse(null)).toByteArray();
    }

    public static Optional<StoredSession> decodeSession(byte[] data) {
        return decode("reply", data, in -> Optional.ofNullable(readOptionalSession(in)));
    }

    /** present:bool [count:i32 (filter:str qos:u8)* state:bytes] */
    private static BinaryWriter writeOptionalSession(BinaryWriter out, StoredSession session) {
        out.bool(session != null);
        if (session != null) {
            writeSubscriptionList(out, session.subscriptions());
            out.bytes(session.state());
        }
        return out;
    }

    private static StoredSession readOptionalSession(BinaryReader in) {
        if (!in.bool()) {
            return null;
        }
        List<Subscription> subscriptions = readSubscriptionList(in);
        return new StoredSession(subscriptions, in.bytes());
    }

    private static void writeSubscriptionList(BinaryWriter out, List<Subscription> subscriptions) {
        out.i32(subscriptions.size());
        subscriptions.forEach(s -> out.str(s.filter()).u8(s.qos()));
    }

    private static List<Subscription> readSubscriptionList(BinaryReader in) {
        return readList(in, 5, r -> new Subscription(r.str(), r.u8()));
    }

    /** The replies of a batch's commands, each as its command alone would have been answered. */
    public static byte[] encodeBatchReply(List<byte[]> replies) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).i32(replies.size());
        replies.forEach(out::bytes);
        return out.toByteArray();
    }

    public static List<byte[]> decodeBatchReply(byte[] data) {
        return decode("reply", data, in -> readList(in, 4, BinaryReader::bytes));
    }

    public static byte[] encodeWills(List<WillMessage> wills) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).i32(wills.size());
        wills.forEach(w -> writeWill(out, w));
        return out.toByteArray();
    }

    public static List<WillMessage> decodeWills(byte[] data) {
        return decode("reply", data, in -> readList(in, 1, MetaCodec::readWill));
    }

    /** count:i32 (clientId:str owner:optStr subscriptions expiry:i64 expireAt:i64)* */
    public static byte[] encodeSessionSummaries(List<SessionSummary> sessions) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).i32(sessions.size());
        for (SessionSummary s : sessions) {
            out.str(s.clientId()).optStr(s.ownerNodeId());
            writeSubscriptionList(out, s.subscriptions());
            out.i64(s.expiryMillis()).i64(s.expireAtMillis());
        }
        return out.toByteArray();
    }

    public static List<SessionSummary> decodeSessionSummaries(byte[] data) {
        return decode("reply", data, in -> readList(in, 22,
                r -> new SessionSummary(r.str(), r.optStr(), readSubscriptionList(r), r.i64(), r.i64())));
    }

    public static byte[] encodeSubscriptions(List<Subscription> subscriptions) {
        BinaryWriter out = new BinaryWriter().u8(VERSION);
        writeSubscriptionList(out, subscriptions);
        return out.toByteArray();
    }

    public static List<Subscription> decodeSubscriptions(byte[] data) {
        return decode("reply", data, MetaCodec::readSubscriptionList);
    }

    public static byte[] encodeRetained(List<RetainedMessage> messages) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).i32(messages.size());
        messages.forEach(m -> writeRetained(out, m));
        return out.toByteArray();
    }

    public static List<RetainedMessage> decodeRetained(byte[] data) {
        return decode("reply", data, in -> readList(in, 9, MetaCodec::readRetained));
    }

    public static byte[] encodeViewDelta(ViewDelta delta) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).bool(delta.covered()).i64(delta.throughIndex());
        writeChanges(out, delta.changes());
        return out.toByteArray();
    }

    public static ViewDelta decodeViewDelta(byte[] data) {
        return decode("reply", data, in -> new ViewDelta(in.bool(), in.i64(), readChanges(in)));
    }

    public static byte[] encodeViewPage(ViewPage page) {
        BinaryWriter out = new BinaryWriter().u8(VERSION).i64(page.appliedIndex());
        writeChanges(out, page.entries());
        out.bool(page.nextCursor() != null);
        if (page.nextCursor() != null) {
            out.bytes(page.nextCursor());
        }
        return out.toByteArray();
    }

    public static ViewPage decodeViewPage(byte[] data) {
        return decode("reply", data, in -> {
            long applied = in.i64();
            List<ViewChange> entries = readChanges(in);
            return new ViewPage(applied, entries, in.bool() ? in.bytes() : null);
        });
    }

    private static void writeChanges(BinaryWriter out, List<ViewChange> changes) {
        out.i32(changes.size());
        for (ViewChange change : changes) {
            if (change instanceof ViewChange.NodeUp c) {
                writeNode(out.u8(1), c.node());
            } else if (change instanceof ViewChange.NodeDown c) {
                out.u8(2).str(c.nodeId());
            } else if (change instanceof ViewChange.FilterHeld c) {
                out.u8(3).str(c.filter()).optStr(c.nodeId());
            } else if (change instanceof ViewChange.FilterReleased c) {
                out.u8(4).str(c.filter()).optStr(c.nodeId());
            }
        }
    }

    private static List<ViewChange> readChanges(BinaryReader in) {
        return readList(in, 5, r -> {
            int type = r.u8();
            return switch (type) {
                case 1 -> new ViewChange.NodeUp(readNode(r));
                case 2 -> new ViewChange.NodeDown(r.str());
                case 3 -> new ViewChange.FilterHeld(r.str(), r.optStr());
                case 4 -> new ViewChange.FilterReleased(r.str(), r.optStr());
                default -> throw new CodecException("unknown view change type " + type);
            };
        });
    }

    // ---- values, shared with the store's own encoding ----

    public static BinaryWriter writeNode(BinaryWriter out, GatewayNode node) {
        return out.str(node.id()).str(node.notifyAddress()).str(node.mqttAddress());
    }

    public static GatewayNode readNode(BinaryReader in) {
        return new GatewayNode(in.str(), in.str(), in.str());
    }

    public static BinaryWriter writeWill(BinaryWriter out, WillMessage will) {
        return out.str(will.clientId()).str(will.topic()).u8(will.qos()).bool(will.retain()).bytes(will.payload());
    }

    public static WillMessage readWill(BinaryReader in) {
        String clientId = in.str();
        String topic = in.str();
        int qos = in.u8();
        boolean retain = in.bool();
        return new WillMessage(clientId, topic, in.bytes(), qos, retain);
    }

    public static BinaryWriter writeRetained(BinaryWriter out, RetainedMessage message) {
        return out.str(message.topic()).u8(message.qos()).bytes(message.payload());
    }

    public static RetainedMessage readRetained(BinaryReader in) {
        String topic = in.str();
        int qos = in.u8();
        return new RetainedMessage(topic, in.bytes(), qos);
    }

    private static <T> List<T> readList(BinaryReader in, int minBytesPerItem, Function<BinaryReader, T> item) {
        int count = in.count(minBytesPerItem);
        List<T> result = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            result.add(item.apply(in));
        }
        return result;
    }

    /**
     * Checks the version byte, decodes the rest and checks nothing is left over. Values that decode
     * but are invalid (a bad topic, QoS 3) are reported as corrupt data too.
     */
    private static <T> T decode(String what, byte[] data, Function<BinaryReader, T> body) {
        if (data == null || data.length == 0) {
            throw new CodecException("empty meta " + what);
        }
        BinaryReader in = new BinaryReader(data);
        int version = in.u8();
        if (version != VERSION) {
            throw new CodecException("meta " + what + " has format version " + version
                    + "; this build reads version " + VERSION);
        }
        try {
            T value = body.apply(in);
            in.expectEnd("meta " + what);
            return value;
        } catch (CodecException e) {
            throw e;
        } catch (IllegalArgumentException | NullPointerException e) {
            throw new CodecException("invalid meta " + what + ": " + e.getMessage());
        }
    }
}
