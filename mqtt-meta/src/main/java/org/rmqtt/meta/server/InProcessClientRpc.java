package org.rmqtt.meta.server;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.Collection;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import org.apache.ratis.client.RaftClientRpc;
import org.apache.ratis.protocol.GroupInfoRequest;
import org.apache.ratis.protocol.GroupListRequest;
import org.apache.ratis.protocol.GroupManagementRequest;
import org.apache.ratis.protocol.LeaderElectionManagementRequest;
import org.apache.ratis.protocol.RaftClientAsynchronousProtocol;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.SnapshotManagementRequest;
import org.apache.ratis.protocol.TransferLeadershipRequest;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.JavaUtils;

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
 *
 * <p>Replies are handed to {@code replies}, never completed on the server's thread: the server
 * completes them while holding its own locks (its read-index queue), and the Ratis client sends
 * its next request while holding its sliding window, so completing inline deadlocked the two
 * (seen under a burst of reads and writes). Over the network the socket stood between them.
 */
final class InProcessClientRpc implements RaftClientRpc {
    private final RaftServer server;
    private final Executor replies;

    /**
     * @param replies where a reply is completed; {@code Runnable::run} only for a caller that
     *     waits for it without a Raft client (nothing of the client then runs on the server's thread)
     */
    InProcessClientRpc(RaftServer server, Executor replies) {
        this.server = server;
        this.replies = replies;
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
        CompletableFuture<RaftClientReply> answer = new CompletableFuture<>();
        sent.whenComplete((reply, error) -> replies.execute(() -> answer(answer, reply, error)));
        return answer;
    }

    private static void answer(CompletableFuture<RaftClientReply> answer, RaftClientReply reply, Throwable error) {
        Throwable cause = error == null ? null : JavaUtils.unwrapCompletionException(error);
        if (cause == null && reply.getNotLeaderException() != null) {
            cause = reply.getNotLeaderException();
        } else if (cause == null && reply.getLeaderNotReadyException() != null) {
            cause = reply.getLeaderNotReadyException();
        }
        if (cause != null) {
            answer.completeExceptionally(cause);
        } else {
            answer.complete(reply);
        }
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
            Throwable cause = JavaUtils.unwrapCompletionException(e.getCause());
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

    @Override
    public void addRaftPeers(Collection<RaftPeer> peers) {
        // The one peer is reached through its server object; nothing to connect.
    }

    @Override
    public void close() {
        // Owns nothing: the server is closed by its owner.
    }
}
