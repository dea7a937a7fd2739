package io.armada.server.api;

import com.google.protobuf.ByteString;
import io.armada.api.v1.HashRequest;
import io.armada.api.v1.HashResponse;
import io.armada.api.v1.MaintenanceGrpc;
import io.armada.server.node.ArmadaNode;
import io.armada.server.node.TableHandle;
import io.armada.storage.CommandValidator;
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

    MaintenanceService(ArmadaNode node, Router router) {
        this.node = node;
        this.router = router;
    }

    @Override
    public void hash(HashRequest request, StreamObserver<HashResponse> observer) {
        Replies.reply(observer, () -> {
            CommandValidator.validateTableName("table", request.getTable());
            TableHandle table = node.table(request.getTable())
                    .orElseThrow(() -> Errors.notFound("table '" + request.getTable() + "' does not exist on this node"));
            if (table.stateMachine().table().isResetting()) {
                throw Errors.refused("table '" + table.name() + "' is loading a snapshot of the leader cluster;"
                        + " retry shortly", null);
            }
            // a scan of the whole table: on the service executor, never on an event loop
            Table.Digest digest = table.stateMachine().table().digestAtRevision();
            return CompletableFuture.completedFuture(HashResponse.newBuilder()
                    .setHeader(router.header(table.id(), digest.revision()))
                    .setSha256(ByteString.copyFrom(digest.sha256())).build());
        });
    }
}
