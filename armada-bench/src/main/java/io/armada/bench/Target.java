package io.armada.bench;

import java.util.concurrent.CompletableFuture;

/**
 * A store under load, asynchronous so one thread keeps many operations in flight. {@code client}
 * picks the connection (0 to clients-1). Futures complete with the revision the store reported.
 */
interface Target extends AutoCloseable {
    CompletableFuture<Long> put(int client, String table, byte[] key, byte[] value);

    CompletableFuture<Long> get(int client, String table, byte[] key, boolean linearizable);

    /** Compare-and-put in one transaction; the comparison always holds. */
    CompletableFuture<Long> txn(int client, String table, byte[] key, byte[] value);

    /** Creates the tables that do not exist (nothing to do where tables are key prefixes). */
    void prepare(java.util.List<String> tables) throws Exception;

    @Override
    void close();
}
