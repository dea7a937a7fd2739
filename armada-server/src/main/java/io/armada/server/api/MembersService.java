package io.armada.server.api;

import io.armada.api.v1.DeleteTableResponse;
import io.armada.internal.v1.MembersGrpc;
import io.armada.internal.v1.RetireTableResponse;
import io.armada.internal.v1.TableRef;
import io.armada.storage.CommandValidator;
import io.grpc.stub.StreamObserver;

/**
 * The steps of a table's delete sent by another member to the leader of the group each commits in
 * ({@link TableDeletion}). A call that lands on a member which does not lead is refused with a
 * redirect, never forwarded again.
 */
final class MembersService extends MembersGrpc.MembersImplBase {
    private final TableDeletion deletion;

    MembersService(TableDeletion deletion) {
        this.deletion = deletion;
    }

    @Override
    public void retireTable(TableRef request, StreamObserver<RetireTableResponse> observer) {
        Replies.reply(observer, () -> {
            validate(request);
            return deletion.retire(request);
        });
    }

    @Override
    public void dropTable(TableRef request, StreamObserver<DeleteTableResponse> observer) {
        Replies.reply(observer, () -> {
            validate(request);
            return deletion.drop(request);
        });
    }

    private static void validate(TableRef table) {
        CommandValidator.validateTableName("name", table.getName());
        if (table.getId() <= io.armada.server.node.Catalog.GROUP_ID) {
            throw Errors.invalid("id: " + table.getId() + " is not a table's id");
        }
    }
}
