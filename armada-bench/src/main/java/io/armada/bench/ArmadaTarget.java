package io.armada.bench;

import io.armada.client.ArmadaClient;
import io.armada.client.Op;
import io.armada.client.RangeResult;
import io.armada.client.TableDetails;
import io.armada.client.TxnCondition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Collectors;

/**
 * Armada through its Java client ({@link ArmadaClient}'s asynchronous calls), one client — one
 * set of gRPC channels — per bench connection. Routed (the default): every client knows every
 * endpoint, starts at a different one, and sends a table's writes and linearizable reads to the
 * table's leader once an answer has named it, as an application using the client does. Pinned:
 * each client knows one endpoint only, so writes reaching a non-leader are forwarded inside the
 * cluster — the cost routing saves.
 */
final class ArmadaTarget implements Target {
    static final Duration DEADLINE = Duration.ofSeconds(10);

    private final List<ArmadaClient> clients = new ArrayList<>();

    ArmadaTarget(List<String> endpoints, int connections, boolean pinned) {
        for (int i = 0; i < connections; i++) {
            int first = i % endpoints.size();
            List<String> mine = pinned ? List.of(endpoints.get(first)) : rotated(endpoints, first);
            clients.add(new ArmadaClient(mine, DEADLINE));
        }
    }

    /** {@code endpoints} starting at {@code first}: the client tries its first endpoint first. */
    private static List<String> rotated(List<String> endpoints, int first) {
        List<String> out = new ArrayList<>(endpoints.subList(first, endpoints.size()));
        out.addAll(endpoints.subList(0, first));
        return out;
    }

    @Override
    public CompletableFuture<Long> put(int client, String table, byte[] key, byte[] value) {
        return clients.get(client).putAsync(table, key, value);
    }

    @Override
    public CompletableFuture<Long> get(int client, String table, byte[] key, boolean linearizable) {
        return clients.get(client)
                .rangeAsync(table, key, null, 1, linearizable, 0)
                .thenApply(RangeResult::revision);
    }

    /** A read that waits until the answering node applied {@code minRevision} (bounded by the deadline). */
    CompletableFuture<Long> getAtLeast(int client, String table, byte[] key, long minRevision) {
        return clients.get(client)
                .rangeAsync(table, key, null, 1, false, minRevision)
                .thenApply(RangeResult::revision);
    }

    /** A compare-and-put whose compare always holds (the key's mod revision is never -1): a write through Txn. */
    @Override
    public CompletableFuture<Long> txn(int client, String table, byte[] key, byte[] value) {
        return clients.get(client)
                .txnAsync(
                        table,
                        List.of(TxnCondition.modRevision(key, TxnCondition.Result.NOT_EQUAL, -1)),
                        List.of(new Op.Put(key, value)),
                        List.of())
                .thenApply(r -> r.revision());
    }

    @Override
    public void prepare(List<String> tables) {
        ArmadaClient admin = clients.getFirst();
        Set<String> existing =
                admin.listTables().stream().map(TableDetails::name).collect(Collectors.toSet());
        for (String t : tables) {
            if (!existing.contains(t)) {
                admin.createTable(t);
            }
        }
    }

    @Override
    public void close() {
        clients.forEach(ArmadaClient::close);
    }
}
