package org.rmqtt.meta.client;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.io.IOException;
import java.util.ArrayList;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.GroupInfoReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.rpc.SupportedRpcType;
import org.apache.ratis.util.TimeDuration;
import org.rmqtt.meta.MetaPeerStatus;

/** The Raft group of the meta peers, and the Raft settings clients and servers must agree on. */
public final class MetaGroup {

    /** Fixed, so peers and clients agree on it without configuration. */
    public static final RaftGroupId ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("rmqtt-meta".getBytes(StandardCharsets.UTF_8)));

    private MetaGroup() {
    }

    public static RaftGroup of(List<MetaPeer> peers) {
        return RaftGroup.valueOf(ID, peers.stream().map(MetaPeer::toRaftPeer).toList());
    }

    /** Properties with the transport set: Netty, as Ratis shades it (no clash with RocketMQ's Netty). */
    public static RaftProperties newProperties() {
        RaftProperties properties = new RaftProperties();
        RaftConfigKeys.Rpc.setType(properties, SupportedRpcType.NETTY);
        return properties;
    }

    /** Between attempts to find the leader: short, since an election takes a few hundred ms. */
    static final long RETRY_SLEEP_MILLIS = 100;

    /**
     * A Raft client of the group whose calls give up after about {@code callTimeout}: retries are
     * bounded by count, so a call without a leader fails instead of retrying forever.
     */
    public static RaftClient newClient(List<MetaPeer> peers, Duration callTimeout) {
        return newClient(peers, callTimeout, null);
    }

    /** As {@link #newClient(List, Duration)}, over {@code transport} (null: the network). */
    public static RaftClient newClient(List<MetaPeer> peers, Duration callTimeout, RaftClientRpc transport) {
        RaftProperties properties = newProperties();
        long timeoutMillis = callTimeout.toMillis();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
                TimeDuration.valueOf(Math.min(timeoutMillis / 2, 3_000), TimeUnit.MILLISECONDS));
        // The dummy request only finds the leader early; before an election it just logs errors.
        RaftClientConfigKeys.Async.Experimental.setSendDummyRequest(properties, false);
        int attempts = (int) Math.max(1, timeoutMillis / RETRY_SLEEP_MILLIS);
        RaftClient.Builder builder = RaftClient.newBuilder()
                .setRaftGroup(of(peers))
                .setProperties(properties)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
                        TimeDuration.valueOf(RETRY_SLEEP_MILLIS, TimeUnit.MILLISECONDS)));
        if (transport != null) {
            builder.setClientRpc(transport);
        }
        return builder.build();
    }

    /**
     * Asks every peer for its role and whom it follows; blocks up to about {@code timeout} per
     * peer (callers off an event loop only). A peer that does not answer is listed with the error.
     */
    public static List<MetaPeerStatus> status(List<MetaPeer> peers, Duration timeout) {
        List<MetaPeerStatus> result = new ArrayList<>();
        try (RaftClient client = newClient(peers, timeout)) {
            for (MetaPeer peer : peers) {
                try {
                    GroupInfoReply reply = client.getGroupManagementApi(RaftPeerId.valueOf(peer.id())).info(ID);
                    RoleInfoProto role = reply.getRoleInfoProto();
                    String leader = role.getRole() == RaftPeerRole.LEADER ? peer.id()
                            : role.hasFollowerInfo() && !role.getFollowerInfo().getLeaderInfo().getId().getId().isEmpty()
                            ? role.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8() : "unknown";
                    result.add(new MetaPeerStatus(peer.id(), peer.address(), role.getRole().name(), leader, null));
                } catch (IOException | RuntimeException e) {
                    result.add(new MetaPeerStatus(peer.id(), peer.address(), null, null, String.valueOf(e.getMessage())));
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return result;
    }
}
