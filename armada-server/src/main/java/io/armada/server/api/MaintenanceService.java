package io.armada.server.api;

import com.google.protobuf.ByteString;
import io.armada.api.v1.HashRequest;
import io.armada.api.v1.HashResponse;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.server.node.ArmadaNode;
import io.armada.storage.Table;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/**
 * The armada.v1 Maintenance service on one node: table digests of what this node holds, to
 * compare nodes and clusters (Backup and Restore are not served yet and answer UNIMPLEMENTED).
 */
final class MaintenanceService extends MaintenanceGrpc.MaintenanceImplBase {
    private final ArmadaNode node;
    private final Router router;

    private final java.util.concurrent.Executor serviceExecutor;

    MaintenanceService(ArmadaNode node, Router router, java.util.concurrent.Executor serviceExecutor) {
        this.node = node;
        this.router = router;
        this.serviceExecutor = serviceExecutor;
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        // a whole-table scan runs where the call runs, on the service executor (never an event loop); a table
        // this node does not know yet is looked up after a catalog round, as by every service
        Replies.reply(
                observer,
                () -> TableLookup.withTable(node, request.getTable(), serviceExecutor, table -> {
                    if (table.stateMachine().table().isRetired()) {
                        throw Errors.notFound("table '" + table.name() + "' was deleted");
                    }
                    if (table.stateMachine().table().isResetting()) {
                        throw Errors.refused(
                                "table '" + table.name() + "' is loading a snapshot of the leader cluster;"
                                        + " retry shortly",
                                null);
                    }
                    Table.Digest digest = table.stateMachine().table().digestAtRevision();
                    return CompletableFuture.completedFuture(HashResponse.newBuilder()
                            .setHeader(router.header(table.id(), digest.revision()))
                            .setSha256(ByteString.copyFrom(digest.sha256()))
                            .build());
                }));
    }
}
