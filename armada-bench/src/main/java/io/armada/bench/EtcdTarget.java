package io.armada.bench;

import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * etcd through jetcd, for side-by-side figures: one client per connection, each over all
 * endpoints; a table is a key prefix {@code table/}.
 */
final class EtcdTarget implements Target {
    private final List<Client> clients = new ArrayList<>();

    EtcdTarget(List<String> endpoints, int clients) {
        String[] urls = endpoints.stream()
                .map(e -> e.contains("://") ? e : "http://" + e)
                .toArray(String[]::new);
        for (int i = 0; i < clients; i++) {
            this.clients.add(Client.builder().endpoints(urls).build());
        }
    }

    private static ByteSequence key(String table, byte[] key) {
        byte[] prefix = (table + "/").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        byte[] full = java.util.Arrays.copyOf(prefix, prefix.length + key.length);
        System.arraycopy(key, 0, full, prefix.length, key.length);
        return ByteSequence.from(full);
    }

    @Override
    public CompletableFuture<Long> put(int client, String table, byte[] key, byte[] value) {
        return clients.get(client)
                .getKVClient()
                .put(key(table, key), ByteSequence.from(value), PutOption.DEFAULT)
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<Long> get(int client, String table, byte[] key, boolean linearizable) {
        return clients.get(client)
                .getKVClient()
                .get(
                        key(table, key),
                        GetOption.builder().withSerializable(!linearizable).build())
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    public CompletableFuture<Long> txn(int client, String table, byte[] key, byte[] value) {
        ByteSequence k = key(table, key);
        return clients.get(client)
                .getKVClient()
                .txn()
                .If(new Cmp(k, Cmp.Op.NOT_EQUAL, CmpTarget.modRevision(-1)))
                .Then(Op.put(k, ByteSequence.from(value), PutOption.DEFAULT))
                .commit()
                .thenApply(r -> r.getHeader().getRevision());
    }

    @Override
    public void prepare(List<String> tables) {
        // tables are key prefixes: nothing to create
    }

    @Override
    public void close() {
        clients.forEach(Client::close);
    }
}
