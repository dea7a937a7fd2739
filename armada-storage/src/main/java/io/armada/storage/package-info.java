/**
 * The table store on RocksDB: one column family per table, etcd's command semantics (put, delete
 * range, txn) applied at a given revision, snapshot-isolated reads and iteration, snapshots, and the
 * validation of every request.
 */
package io.armada.storage;
