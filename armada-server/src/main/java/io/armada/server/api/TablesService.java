package io.armada.server.api;

import com.google.common.util.concurrent.MoreExecutors;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.CreateTableResponse;
import io.armada.api.v1.DeleteTableRequest;
import io.armada.api.v1.DeleteTableResponse;
import io.armada.api.v1.ListTablesRequest;
import io.armada.api.v1.ListTablesResponse;
import io.armada.api.v1.TableInfo;
import io.armada.api.v1.TableStatus;
import io.armada.api.v1.TablesGrpc;
import io.armada.internal.v1.TableRef;
import io.armada.server.node.ArmadaNode;
import io.armada.server.node.Catalog;
import io.armada.server.node.ReplicationLag;
import io.armada.storage.CommandValidator;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Table lifecycle through the catalog group. Create answers once the new table's group has a
 * leader as seen from this node, so the client's first write does not race the table's first
 * election; the table's id is the catalog index that created it.
 */
final class TablesService extends TablesGrpc.TablesImplBase implements AutoCloseable {
    private static final long READY_POLL_MILLIS = 10;

    private final ArmadaNode node;
    private final Router router;
    private final TableDeletion deletion;
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "armada-tables-poller");
        t.setDaemon(true);
        return t;
    });

    TablesService(ArmadaNode node, Router router, TableDeletion deletion) {
        this.node = node;
        this.router = router;
        this.deletion = deletion;
    }

    @Override
    public void create(CreateTableRequest request, StreamObserver<CreateTableResponse> observer) {
        Replies.reply(observer, () -> {
            CommandValidator.validateTableName("name", request.getName());
            int tables = Catalog.tables(node.catalog()).size();
            int maxTables = node.config().quotas().maxTables();
            if (tables >= maxTables) {
                throw Status.RESOURCE_EXHAUSTED
                        .withDescription("the cluster holds " + tables + " tables, its quota"
                                + " (quotas.max-tables) is " + maxTables + "; delete a table or raise the quota")
                        .asRuntimeException();
            }
            io.grpc.Deadline deadline = io.grpc.Context.current().getDeadline();
            CompletableFuture<CreateTableResponse> committed = router.write(
                    Catalog.GROUP_ID,
                    "catalog",
                    Catalog.create(request.getName()),
                    ReplyHeader.CREATE_TABLE,
                    result -> {
                        if (!result.getTxn().getSucceeded()) {
                            throw Status.ALREADY_EXISTS
                                    .withDescription("table '" + request.getName() + "' already exists")
                                    .asRuntimeException();
                        }
                        long id = result.getTxn().getHeader().getRevision();
                        return CreateTableResponse.newBuilder()
                                .setHeader(router.header(Catalog.GROUP_ID, id))
                                .setTable(TableInfo.newBuilder()
                                        .setName(request.getName())
                                        .setId(id))
                                .build();
                    },
                    (channel, d) ->
                            TablesGrpc.newFutureStub(channel).withDeadline(d).create(request));
            return committed.thenCompose(r -> whenLeaderKnown(r, deadline));
        });
    }

    /** Completes with {@code response} once this node opened the table's group and sees its leader. */
    private CompletableFuture<CreateTableResponse> whenLeaderKnown(
            CreateTableResponse response, io.grpc.Deadline deadline) {
        CompletableFuture<CreateTableResponse> done = new CompletableFuture<>();
        long id = response.getTable().getId();
        long giveUpNanos = System.nanoTime()
                + (deadline != null
                        ? deadline.timeRemaining(TimeUnit.NANOSECONDS)
                        : TimeUnit.MILLISECONDS.toNanos(Router.DEFAULT_WRITE_TIMEOUT_MILLIS));
        Runnable check = new Runnable() {
            @Override
            public void run() {
                if (node.groupStatus(id).map(s -> s.leaderId() != 0).orElse(false)) {
                    done.complete(response.toBuilder()
                            .setTable(info(response.getTable().getName(), id))
                            .build());
                } else if (System.nanoTime() > giveUpNanos) {
                    done.complete(response); // created; its group is still electing, which status will show
                } else {
                    poller.schedule(this, READY_POLL_MILLIS, TimeUnit.MILLISECONDS);
                }
            }
        };
        check.run();
        return done;
    }

    /**
     * Retires the table in its own group, then drops it from the catalog ({@link TableDeletion}). On
     * a follower cluster the delete is the leader cluster's: forwarded there whole.
     */
    @Override
    public void delete(DeleteTableRequest request, StreamObserver<DeleteTableResponse> observer) {
        Replies.reply(observer, () -> {
            CommandValidator.validateTableName("name", request.getName());
            if (node.config().isFollowerCluster()) {
                // the command and the local answer go unused: a follower cluster's writes commit in the leader cluster
                return router.write(
                        Catalog.GROUP_ID,
                        "catalog",
                        Catalog.delete(request.getName(), 0),
                        ReplyHeader.DELETE_TABLE,
                        result -> DeleteTableResponse.getDefaultInstance(),
                        (channel, d) -> TablesGrpc.newFutureStub(channel)
                                .withDeadline(d)
                                .delete(request));
            }
            // the lookup every service uses; the delete's steps only hand work on, so they may continue on the
            // Raft worker that completes a catalog round
            return TableLookup.withTable(
                    node,
                    request.getName(),
                    MoreExecutors.directExecutor(),
                    table -> deletion.delete(TableRef.newBuilder()
                            .setName(table.name())
                            .setId(table.id())
                            .build()));
        });
    }

    @Override
    public void list(ListTablesRequest request, StreamObserver<ListTablesResponse> observer) {
        Replies.reply(observer, () -> {
            ListTablesResponse.Builder out = ListTablesResponse.newBuilder()
                    .setHeader(router.header(
                            Catalog.GROUP_ID, node.catalog().table().revision()));
            for (Map.Entry<String, Long> t : Catalog.tables(node.catalog()).entrySet()) {
                out.addTables(info(t.getKey(), t.getValue()));
            }
            return CompletableFuture.completedFuture(out.build());
        });
    }

    /** A table as this node sees it: its group's leader and term and the revision applied here. */
    TableInfo info(String name, long id) {
        TableStatus.Builder status = TableStatus.newBuilder();
        node.groupStatus(id).ifPresent(s -> status.setLeaderId(s.leaderId()).setRaftTerm(s.term()));
        node.table(id)
                .ifPresent(
                        h -> status.setAppliedRevision(h.stateMachine().table().revision()));
        // follower clusters: every node learns the leader cluster's position from the batches it applies
        node.table(id)
                .flatMap(h -> h.stateMachine().lag())
                .filter(ReplicationLag::known)
                .ifPresent(lag -> status.setLeaderRevision(lag.leaderClusterRevision())
                        .setLagRevisions(Math.max(0, lag.leaderClusterRevision() - status.getAppliedRevision()))
                        .setOutOfSyncMillis(lag.outOfSyncMillis()));
        return TableInfo.newBuilder().setName(name).setId(id).setStatus(status).build();
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
