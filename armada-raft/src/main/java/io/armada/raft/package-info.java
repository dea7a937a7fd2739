/**
 * Multi-group Raft: the public API of one group's pure core.
 *
 * <h2>The contract between the core and the engine</h2>
 * A {@link io.armada.raft.RaftGroup} is a single-threaded state machine. The engine feeds it
 * {@code tick()}s (time), {@code step(Message)}s (network) and client requests, and repeatedly
 * drains its work:
 * <pre>
 *   if (group.hasReady()) {
 *       Ready rd = group.ready();
 *       persist(rd);        // 1. snapshot chunks / snapshot install, entries, hard state, conf state;
 *                           //    fsync when rd.mustSync(), ideally in one write with other groups
 *       send(rd.messages()); // 2. only now: messages promise what step 1 made durable
 *                           //    (rd.messagesBeforePersist(), a leader's appends, go before step 1)
 *       apply(rd.committedEntries()); // 3. in index order; then answer rd.readStates()
 *       group.advance(rd);  // 4.
 *   }
 * </pre>
 * {@code advance(rd)} tells the core that everything in {@code rd} is done: the entries are stable
 * (readable through {@link io.armada.raft.LogReader}), the committed entries applied, the snapshot
 * installed. Until then the core keeps the entries in its own unstable tail and hands out nothing
 * twice. Persisting before sending is what makes a vote or an append acknowledgement a promise
 * that survives a crash; applying after persisting lets committed entries include ones appended in
 * the same Ready. A leader's appends are the exception (Raft thesis §10.2.1): the core counts the
 * leader's own entries toward a commit only once {@code advance} reports them stable, so the
 * engine sends them before the fsync and followers persist while the leader does.
 *
 * <h2>Seams</h2>
 * {@link io.armada.raft.LogReader} is what the core reads of the stable log (etcd's Storage).
 * {@link io.armada.raft.SnapshotSource} reads a leader's snapshot in chunks; a follower hands
 * received chunks to the engine in {@link io.armada.raft.Ready#snapshotChunks()} and the finished
 * snapshot in {@link io.armada.raft.Ready#snapshot()}. {@link io.armada.raft.MessageCodec} turns
 * messages into protobuf bytes for the transport. Randomness is an injected
 * {@link java.util.random.RandomGenerator}; nothing inside reads a clock.
 *
 * <p>The implementation lives in {@code io.armada.raft.core}: {@code RaftCore} (role logic),
 * {@code RaftLog} (stable + unstable log), {@code quorum} (majority math) and {@code tracker}
 * (per-peer progress and in-flight windows).
 */
package io.armada.raft;
