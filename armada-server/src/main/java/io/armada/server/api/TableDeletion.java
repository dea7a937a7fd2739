package io.armada.server.api;

import com.google.common.util.concurrent.MoreExecutors;
import io.armada.api.v1.DeleteTableResponse;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.MembersGrpc;
import io.armada.internal.v1.RetireTable;
import io.armada.internal.v1.RetireTableResponse;
import io.armada.internal.v1.TableRef;
import io.armada.server.node.Catalog;
import io.grpc.Context;
import io.grpc.Status;
import java.util.concurrent.CompletableFuture;

/**
 * Deleting a table takes two commits in two groups. First {@code RetireTable} in the table's own
 * group: every write ordered after it there fails. Then the catalog drops the table. Retiring
 * first is what makes an acknowledged delete final: members that have not applied the catalog's
 * delete yet still serve the table by name and still form a quorum of its group, so with the
 * catalog step alone a write through them could be acknowledged after the delete was. A delete
 * that stops between the steps leaves the table listed and read-only; deleting it again finishes.
 * Each step goes to its group's leader ({@link Router}), over {@link MembersGrpc} when another
 * member leads.
 */
final class TableDeletion {
    private static final Command RETIRE =
            Command.newBuilder().setRetire(RetireTable.getDefaultInstance()).build();

    private final Router router;

    TableDeletion(Router router) {
        this.router = router;
    }

    /** Both steps for table {@code name}, which is table {@code id}. */
    CompletableFuture<DeleteTableResponse> delete(TableRef table) {
        // step 2 runs in the client call's context (its deadline), not in the context of step 1's forward,
        // which a callback of that forward carries and which is cancelled once the forward completes
        java.util.concurrent.Executor inCall = Context.current().fixedContextExecutor(MoreExecutors.directExecutor());
        return retire(table)
                .handle((retired, failure) -> {
                    if (failure != null
                            && Status.fromThrowable(Errors.unwrap(failure)).getCode() != Status.Code.NOT_FOUND) {
                        throw Errors.toStatus(failure);
                    }
                    return table; // retired now or before (NOT_FOUND: a delete that stopped half-way, or the table is
                    // gone)
                })
                .thenComposeAsync(this::drop, inCall);
    }

    /** Step 1, in the table's group; NOT_FOUND if it was retired already or its group is gone here. */
    CompletableFuture<RetireTableResponse> retire(TableRef table) {
        return router.write(
                table.getId(),
                table.getName(),
                RETIRE,
                ReplyHeader.none(),
                result -> RetireTableResponse.getDefaultInstance(),
                (channel, deadline) -> MembersGrpc.newFutureStub(channel)
                        .withDeadline(deadline)
                        .retireTable(table));
    }

    /** Step 2, in the catalog; NOT_FOUND if the name no longer names the table. */
    CompletableFuture<DeleteTableResponse> drop(TableRef table) {
        return router.write(
                Catalog.GROUP_ID,
                "catalog",
                Catalog.delete(table.getName(), table.getId()),
                ReplyHeader.DELETE_TABLE,
                result -> {
                    if (!result.getTxn().getSucceeded()) {
                        throw Errors.notFound("table '" + table.getName() + "' does not exist");
                    }
                    return DeleteTableResponse.newBuilder()
                            .setHeader(router.header(
                                    Catalog.GROUP_ID,
                                    result.getTxn().getHeader().getRevision()))
                            .build();
                },
                (channel, deadline) -> MembersGrpc.newFutureStub(channel)
                        .withDeadline(deadline)
                        .dropTable(table));
    }
}
