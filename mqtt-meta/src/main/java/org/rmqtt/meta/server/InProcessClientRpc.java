package org.rmqtt.meta.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.GroupInfoRequest;
import org.apache.ratis.protocol.GroupListRequest;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;

/**
 * The transport of a Raft client whose peer runs in this process: a request is handed to the
 * peer's {@link RaftServer} as the object it is, with no socket, no encoding and no timer.
 *
 * <p>Ratis's Netty transport serves a connection's requests one at a time (its handler waits for
 * each reply) and schedules a timeout task per request on timer threads it never ends (up to
 * eight); here requests pipeline and no thread is added. Only for a group of one, whose only
 * peer is in this process: a request for another peer fails as a peer that cannot be reached.
 * Errors reach the Ratis client as from its Netty transport: "not leader" and "leader not ready"
 * fail the call (so the client retries), other errors stay in the reply.
 */
final class InProcessClientRpc implements RaftClientRpc {
    private final RaftServer server;

    InProcessClientRpc(RaftServer server) {
        this.server = server;
    }

    @Override
    public CompletableFuture<RaftClientReply> sendRequestAsync(RaftClientRequest request) {
        if (!request.getServerId().equals(server.getId())) {
            return CompletableFuture.failedFuture(new IOException("meta peer " + request.getServerId()
                    + " is not in this process (only " + server.getId() + " is)"));
        }
        CompletableFuture<? extends RaftClientReply> sent;
        try {
            sent = submit(request);
        } catch (IOException | RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        return sent.thenCompose(InProcessClientRpc::failIfNotLeader);
    }

    @Override
    public CompletableFuture<RaftClientReply> sendRequestAsyncUnordered(RaftClientRequest request) {
        return sendRequestAsync(request);
    }

    @Override
    public RaftClientReply sendRequest(RaftClientRequest request) throws IOException {
        try {
            return sendRequestAsync(request).get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw (IOException) new InterruptedIOException("interrupted waiting for " + request).initCause(e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause() instanceof CompletionException c && c.getCause() != null
                    ? c.getCause() : e.getCause();
            throw cause instanceof IOException io ? io : new IOException(cause);
        }
    }

    private CompletableFuture<? extends RaftClientReply> submit(RaftClientRequest request) throws IOException {
        if (request instanceof GroupInfoRequest r) {
            return server.getGroupInfoAsync(r);
        } else if (request instanceof GroupListRequest r) {
            return server.getGroupListAsync(r);
        } else if (request instanceof GroupManagementRequest r) {
            return server.groupManagementAsync(r);
        } else if (request instanceof SetConfigurationRequest r) {
            return server.setConfigurationAsync(r);
        } else if (request instanceof TransferLeadershipRequest r) {
            return server.transferLeadershipAsync(r);
        } else if (request instanceof SnapshotManagementRequest r) {
            return server.snapshotManagementAsync(r);
        } else if (request instanceof LeaderElectionManagementRequest r) {
            return server.leaderElectionManagementAsync(r);
        }
        // Straight to the group's division: the server's own entry point first hands each request
        // to a pool thread and waits for it, a thread switch per call that shields network I/O
        // threads; the callers here are the meta client's own threads.
        if (server.getDivision(request.getRaftGroupId()) instanceof RaftClientAsynchronousProtocol division) {
            return division.submitClientRequestAsync(request);
        }
        return server.submitClientRequestAsync(request);
    }

    private static CompletableFuture<RaftClientReply> failIfNotLeader(RaftClientReply reply) {
        if (reply.getNotLeaderException() != null) {
            return CompletableFuture.failedFuture(reply.getNotLeaderException());
        }
        if (reply.getLeaderNotReadyException() != null) {
            return CompletableFuture.failedFuture(reply.getLeaderNotReadyException());
        }
        return CompletableFuture.completedFuture(reply);
    }

    @Override
    public void addRaftPeers(Collection<RaftPeer> peers) {
        // The one peer is reached through its server object; nothing to connect.
    }

    @Override
    public void close() {
        // Owns nothing: the server is closed by its owner.
    }
}
