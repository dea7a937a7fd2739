package io.armada.server.api;

import io.armada.server.node.ArmadaNode;
import io.armada.server.node.Catalog;
import io.armada.server.node.TableHandle;
import io.armada.storage.CommandValidator;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/** How every service finds the table a request names: one rule for "does not exist". */
final class TableLookup {
    /** Bound on the catalog catch-up of a request naming an unknown table. */
    static final long CATALOG_CATCH_UP_MILLIS = 5_000;

    private TableLookup() {}

    /**
     * Runs {@code work} on the table named {@code name}. A table this node does not know yet may
     * have just been created through another node: before answering NOT_FOUND, catch up with the
     * catalog (a ReadIndex round on its group), so "does not exist" is linearizable with table
     * creation. Never blocks: a known table runs {@code work} at once on this thread; otherwise it
     * runs, in the call's gRPC context, on {@code services} when the catalog round completes (never on
     * the Raft worker that completes it: {@code work} may scan the table).
     */
    static <T> CompletableFuture<T> withTable(
            ArmadaNode node, String name, Executor services, Function<TableHandle, CompletableFuture<T>> work) {
        CommandValidator.validateTableName("table", name);
        var known = node.table(name);
        if (known.isPresent()) {
            return work.apply(known.get());
        }
        Executor inCall = io.grpc.Context.current().fixedContextExecutor(services);
        return node.engine()
                .readIndex(Catalog.GROUP_ID)
                .orTimeout(CATALOG_CATCH_UP_MILLIS, TimeUnit.MILLISECONDS)
                .handle((ignored, failure) -> {
                    if (failure != null) {
                        throw Errors.refused(
                                "table '" + name + "' is unknown here and the catalog cannot be"
                                        + " reached to confirm it does not exist; retry",
                                null);
                    }
                    return node.table(name).orElseThrow(() -> Errors.notFound("table '" + name + "' does not exist"));
                })
                .thenComposeAsync(work, inCall);
    }
}
