package io.armada.server.api;

import com.google.common.util.concurrent.FutureCallback;
import com.google.common.util.concurrent.Futures;
import com.google.common.util.concurrent.ListenableFuture;
import com.google.common.util.concurrent.MoreExecutors;
import io.armada.api.v1.ResponseHeader;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.CommandError;
import io.armada.internal.v1.CommandResult;
import io.armada.proto.Trailers;
import io.armada.raft.RaftRole;
import io.armada.raft.engine.GroupStatus;
import io.armada.raft.engine.RaftException;
import io.armada.server.node.ArmadaNode;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Sends a write to where it can commit: proposed locally when this node leads the group, else
 * forwarded once to the member that does. The client sees a redirect (UNAVAILABLE with the
 * leader's address) only when no leader is known or a forwarded call lands on a non-leader.
 */
final class Router {
    /** Bound on a write without a client deadline: a group without quorum must not hold calls forever. */
    static final long DEFAULT_WRITE_TIMEOUT_MILLIS = 30_000;

    private final ArmadaNode node;
    private final Peers peers;

    /** The leader cluster, when this node is in a follower cluster; null otherwise. */
    private final io.armada.server.replication.LeaderClusterLink leaderCluster;

    /** @param leaderCluster the link to the leader cluster on a follower cluster's node; null on the leader cluster */
    Router(ArmadaNode node, Peers peers, io.armada.server.replication.LeaderClusterLink leaderCluster) {
        this.node = node;
        this.peers = peers;
        this.leaderCluster = leaderCluster;
    }

    /**
     * Commits {@code command} in group {@code groupId}; {@code forward} sends the original request
     * to a member (by id) when another member leads.
     */
    <T> CompletableFuture<T> write(
            long groupId,
            String tableName,
            Command command,
            ReplyHeader<T> reply,
            java.util.function.Function<CommandResult, T> local,
            Forward<T> forward) {
        // read the call's context here: the continuations below run on engine threads
        Call call =
                Call.of(ForwardedInterceptor.FORWARDED.get(), Context.current().getDeadline());
        if (leaderCluster != null) {
            return viaLeaderCluster(groupId, tableName, call, reply, forward);
        }
        Context.CancellableContext tenure = tenureOf(groupId); // before the status: a change after it cancels
        GroupStatus status = node.groupStatus(groupId).orElse(null);
        if (status == null) {
            if (node.stateMachine(groupId) != null) { // listed, its group not open (yet) on this node
                return CompletableFuture.failedFuture(Errors.refused(
                        "table '" + tableName + "' is not open on this"
                                + " node yet; retry shortly or send to another member",
                        null));
            }
            return CompletableFuture.failedFuture(Errors.notFound("table '" + tableName + "' does not exist"));
        }
        if (status.role() == RaftRole.LEADER) {
            return node.engine()
                    .propose(groupId, command.toByteArray())
                    .orTimeout(call.timeoutMillis(), TimeUnit.MILLISECONDS)
                    .thenCompose(applied -> answer(tableName, (CommandResult) applied.result(), local))
                    .exceptionallyCompose(e -> {
                        if (unwrap(e) instanceof RaftException re && re.kind() == RaftException.Kind.NOT_LEADER) {
                            return forwardOrFail(call, tenureOf(groupId), tableName, re.leaderHint(), reply, forward);
                        }
                        if (unwrap(e) instanceof java.util.concurrent.TimeoutException) {
                            return CompletableFuture.failedFuture(outcomeUnknown(
                                    "table '" + tableName + "': the write was proposed and did not commit"));
                        }
                        return CompletableFuture.failedFuture(e);
                    });
        }
        return forwardOrFail(call, tenure, tableName, status.leaderId(), reply, forward);
    }

    /**
     * The client's answer to a command applied here: its response, or the status of a command every
     * replica recorded as failed (it changed nothing, though it took a revision).
     */
    private static <T> CompletableFuture<T> answer(
            String tableName, CommandResult result, java.util.function.Function<CommandResult, T> local) {
        if (!result.hasError()) {
            return CompletableFuture.completedFuture(local.apply(result));
        }
        if (result.getError().getReason() == CommandError.Reason.TABLE_DELETED) {
            return CompletableFuture.failedFuture(Errors.notFound("table '" + tableName + "' was deleted"));
        }
        return CompletableFuture.failedFuture(Errors.failedCommand(result.getError()));
    }

    /** Sends the original request over {@code channel} (to a member, or to the leader cluster) with the caller's remaining deadline. */
    @FunctionalInterface
    interface Forward<T> {
        ListenableFuture<T> send(io.grpc.Channel channel, Deadline deadline);
    }

    /**
     * The most a write's answer is sent ahead of the client's deadline. The server's copy of that
     * deadline expires with the client's: an answer due at the deadline itself is lost (the client
     * sees CANCELLED or its own DEADLINE_EXCEEDED, never what the server knew), so the server answers
     * a tenth of the call's time earlier, at most this much: time for the reply's way back.
     */
    static final long MAX_ANSWER_MARGIN_MILLIS = 250;

    /** What the router needs of the gRPC call it serves. */
    private record Call(boolean forwarded, Deadline answerBy) {
        /** {@code clientDeadline} null: the call has none, and the write is bounded by the default timeout. */
        static Call of(boolean forwarded, Deadline clientDeadline) {
            Deadline client = clientDeadline != null
                    ? clientDeadline
                    : Deadline.after(DEFAULT_WRITE_TIMEOUT_MILLIS, TimeUnit.MILLISECONDS);
            long remaining = client.timeRemaining(TimeUnit.MILLISECONDS);
            return new Call(
                    forwarded,
                    Deadline.after(
                            remaining - Math.min(MAX_ANSWER_MARGIN_MILLIS, Math.max(0, remaining / 10)),
                            TimeUnit.MILLISECONDS));
        }

        /** Time left until this node answers by itself. */
        long timeoutMillis() {
            return Math.max(1, answerBy.timeRemaining(TimeUnit.MILLISECONDS));
        }

        /** A forwarded call must answer before this node does: its deadline is this node's answer time. */
        Deadline forwardDeadline() {
            return answerBy;
        }
    }

    /** The write's answer time came before its outcome did: the client learns that, not the transport's CANCELLED. */
    private static StatusRuntimeException outcomeUnknown(String what) {
        return Status.DEADLINE_EXCEEDED
                .withDescription(what + " within the call's deadline; the write may or may not" + " have been applied")
                .asRuntimeException();
    }

    /** The tenure of the group's current leader on this node; one never cancelled if the group is gone. */
    private Context.CancellableContext tenureOf(long groupId) {
        io.armada.server.node.TableStateMachine sm = node.stateMachine(groupId);
        return sm != null ? sm.leaderTenure() : Context.ROOT.withCancellation();
    }

    /**
     * Forwards the write to member {@code leaderId}, the leader during {@code tenure}; the forward
     * ends when that tenure does.
     */
    private <T> CompletableFuture<T> forwardOrFail(
            Call call,
            Context.CancellableContext tenure,
            String tableName,
            long leaderId,
            ReplyHeader<T> reply,
            Forward<T> forward) {
        if (leaderId == 0 || leaderId == node.config().nodeId()) {
            return CompletableFuture.failedFuture(Errors.refused(
                    "table '" + tableName + "' has no leader right now" + " (election in progress); retry", null));
        }
        if (call.forwarded()) {
            return CompletableFuture.failedFuture(Errors.refused(
                    "table '" + tableName + "': this node is not the" + " leader; the leader is member " + leaderId,
                    peers.clientAddress(leaderId)));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        // the forward ends with the client's call, and also when the group's leader changes here (the
        // leader froze or died and the others elected another): the client then learns at once that
        // the outcome is unknown and can go on, not at its deadline
        Context.CancellableContext attempt = Context.current().withCancellation();
        Context.CancellationListener leaderChanged = ended -> attempt.cancel(null);
        tenure.addListener(leaderChanged, MoreExecutors.directExecutor());
        ListenableFuture<T> sent;
        Context previous = attempt.attach();
        try {
            sent = forward.send(peers.forwardChannel(leaderId), call.forwardDeadline());
        } finally {
            attempt.detach(previous);
        }
        sent.addListener(
                () -> {
                    tenure.removeListener(leaderChanged);
                    attempt.cancel(null);
                },
                MoreExecutors.directExecutor());
        Futures.addCallback(
                sent,
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(T value) {
                        result.complete(reply.answeredBy(value, node.config().nodeId()));
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        Status status = Status.fromThrowable(t);
                        if (status.getCode() == Status.Code.UNAVAILABLE && Trailers.certainlyNotApplied(t)) {
                            result.completeExceptionally(Errors.refused(
                                    "table '" + tableName + "': the leader (member " + leaderId
                                            + ") refused or could not be reached: " + status.getDescription(),
                                    peers.clientAddress(leaderId)));
                        } else if (status.getCode() == Status.Code.CANCELLED && tenure.isCancelled()) {
                            result.completeExceptionally(Errors.unavailable(
                                    "table '" + tableName + "': the leader (member "
                                            + leaderId
                                            + ") lost its leadership while the write was in flight; it may or may not have"
                                            + " been applied",
                                    null));
                        } else if (status.getCode() == Status.Code.DEADLINE_EXCEEDED
                                && call.forwardDeadline().isExpired()) {
                            result.completeExceptionally(outcomeUnknown(
                                    "table '" + tableName + "': the leader (member " + leaderId + ") did not answer"));
                        } else {
                            result.completeExceptionally(
                                    t); // the leader may have applied it: the client must not resend blindly
                        }
                    }
                },
                MoreExecutors.directExecutor());
        return result;
    }

    /**
     * A follower cluster's write: sent to the leader cluster, and answered once this node has
     * applied the write's revision, so the client reads its own write here. If the leader cluster
     * cannot be reached the call fails at once with UNAVAILABLE; local reads go on.
     */
    private <T> CompletableFuture<T> viaLeaderCluster(
            long groupId, String tableName, Call call, ReplyHeader<T> reply, Forward<T> forward) {
        io.armada.server.node.TableStateMachine sm = groupId == io.armada.server.node.Catalog.GROUP_ID
                ? node.catalog()
                : node.table(groupId)
                        .map(io.armada.server.node.TableHandle::stateMachine)
                        .orElse(null);
        if (sm == null) {
            return CompletableFuture.failedFuture(Errors.notFound("table '" + tableName + "' does not exist"));
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        io.armada.server.replication.LeaderClusterLink.Endpoint endpoint = leaderCluster.endpoint();
        // the forward ends with the client's call, and also when the link moves off its endpoint (a
        // frozen node): its client then learns at once that the outcome is unknown, not at its deadline
        Context.CancellableContext attempt = Context.current().withCancellation();
        Context.CancellationListener linkMoved = moved -> attempt.cancel(null);
        endpoint.calls().addListener(linkMoved, MoreExecutors.directExecutor());
        ListenableFuture<T> sent;
        Context previous = attempt.attach();
        try {
            sent = forward.send(endpoint.channel(), call.forwardDeadline());
        } finally {
            attempt.detach(previous);
        }
        sent.addListener(
                () -> {
                    endpoint.calls().removeListener(linkMoved);
                    attempt.cancel(null);
                },
                MoreExecutors.directExecutor());
        Futures.addCallback(
                sent,
                new FutureCallback<>() {
                    @Override
                    public void onSuccess(T value) {
                        long revision = reply.revision(value);
                        sm.watch()
                                .atLeast(revision)
                                .orTimeout(call.timeoutMillis(), TimeUnit.MILLISECONDS)
                                .whenComplete((ok, e) -> {
                                    if (e == null) {
                                        // this node's header: it describes the cluster the client called (its cluster
                                        // id,
                                        // members and group leader), so a client never mistakes a leader-cluster member
                                        // id
                                        // for one of the endpoints it was given
                                        result.complete(reply.withHeader(value, header(groupId, revision)));
                                    } else {
                                        result.completeExceptionally(Status.DEADLINE_EXCEEDED
                                                .withDescription(
                                                        "committed at revision " + revision
                                                                + " in the leader cluster, not yet replicated to this follower cluster")
                                                .asRuntimeException());
                                    }
                                });
                    }

                    @Override
                    public void onFailure(Throwable t) {
                        Status.Code code = Status.fromThrowable(t).getCode();
                        if (code == Status.Code.CANCELLED && endpoint.calls().isCancelled()) {
                            result.completeExceptionally(Errors.unavailable(
                                    "the leader cluster endpoint stopped answering"
                                            + " while the write was in flight; it may or may not have been applied",
                                    null));
                        } else if (code == Status.Code.DEADLINE_EXCEEDED
                                && call.forwardDeadline().isExpired()) {
                            // the endpoint did not answer in time (frozen, or cut off): the next writes go
                            // to another; this one may have applied there, so it is never sent again
                            leaderCluster.failedOver(endpoint);
                            result.completeExceptionally(outcomeUnknown("the leader cluster did not answer"));
                        } else if (code == Status.Code.UNAVAILABLE) {
                            leaderCluster.failedOver(endpoint);
                            String message =
                                    "this is a follower cluster and the leader cluster (" + leaderCluster.endpoints()
                                            + ") cannot be reached; reads are still served here: "
                                            + Status.fromThrowable(t).getDescription();
                            result.completeExceptionally(
                                    Trailers.certainlyNotApplied(t)
                                            ? Errors.refused(message, null)
                                            : Errors.unavailable(
                                                    message + " (the write may or may not have been applied)", null));
                        } else {
                            result.completeExceptionally(t);
                        }
                    }
                },
                MoreExecutors.directExecutor());
        return result;
    }

    /** The header of a response about group {@code groupId} at {@code revision}. */
    ResponseHeader header(long groupId, long revision) {
        ResponseHeader.Builder h = ResponseHeader.newBuilder()
                .setClusterId(node.config().clusterId())
                .setMemberId(node.config().nodeId())
                .setRevision(revision);
        node.groupStatus(groupId).ifPresent(s -> h.setRaftTerm(s.term()).setLeaderId(s.leaderId()));
        return h.build();
    }

    static Throwable unwrap(Throwable t) {
        while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }
}
