/** The durable Raft log of all of a node's groups, in one RocksDB instance so that one synced write carries many groups' entries and hard states; and the error handler that stops the node on a failed fsync. */
package io.armada.raft.log;
