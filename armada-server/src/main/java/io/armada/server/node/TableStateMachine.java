package io.armada.server.node;

import com.google.protobuf.InvalidProtocolBufferException;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.FollowerClusterEntry;
import io.armada.internal.v1.ReplicatedEntry;
import io.armada.internal.v1.SnapshotRecord;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.engine.GroupStateMachine;
import io.armada.storage.SnapshotReader;
import io.armada.storage.Table;
import io.armada.storage.TableSnapshot;
import io.armada.storage.TableStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * A table's Raft group state machine: each committed entry is applied to the table store at the
 * entry's index, which is its revision in the leader cluster. Snapshots are table snapshots kept
 * as files ({@link SnapshotFiles}), so a lagging follower is sent a file and never a live scan.
 */
public final class TableStateMachine implements GroupStateMachine {
    private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TableStateMachine.class);
    private final long tableId;
    private final TableStore store;
    private final SnapshotFiles files;
    private final LongConsumer onApplied;
    private final boolean followerCluster;
    private final AppliedWatch watch;
    private final ReplicationLag lag;
    private volatile Table table;

    /**
     * @param followerCluster whether this node is in a follower cluster: entries are then
     *     {@link FollowerClusterEntry FollowerClusterEntries} carrying the leader cluster's entries and revisions
     * @param onApplied called after every applied entry with its index (on the group's worker thread)
     */
    public TableStateMachine(
            long tableId, TableStore store, Path snapshotDir, boolean followerCluster, LongConsumer onApplied) {
        this.tableId = tableId;
        this.store = store;
        this.table = store.hasTable(tableId) ? store.table(tableId) : store.createTable(tableId);
        this.files = new SnapshotFiles(snapshotDir);
        SnapshotMeta snapshot = files.latest();
        if (snapshot.index() > table.appliedIndex()) {
            // The snapshot file is fsynced, the table's applies are not: after a power loss (or a crash between an
            // inbound snapshot's file and its install) the table can stand before its own snapshot, whose entries
            // the log may no longer hold. The snapshot is a committed state: catch up from it.
            log.warn(
                    "table {}: applied index {} is behind its snapshot {}; restoring the table from the snapshot file",
                    tableId,
                    table.appliedIndex(),
                    snapshot.index());
            install(files.dataFile(snapshot), snapshot);
        }
        this.followerCluster = followerCluster;
        this.onApplied = onApplied;
        this.watch = new AppliedWatch(position());
        this.lag = followerCluster ? new ReplicationLag(this::position, System::currentTimeMillis) : null;
    }

    /** Follower clusters: how far this table is behind the leader cluster's; empty on the leader cluster. */
    public java.util.Optional<ReplicationLag> lag() {
        return java.util.Optional.ofNullable(lag);
    }

    /**
     * How far this table is, in the leader cluster's index space: the applied Raft index on the
     * leader cluster, the last applied leader-cluster index on a follower cluster. Revisions clients hold
     * (a write's revision, a read's min_revision) compare against it.
     */
    public long position() {
        return followerCluster ? table.leaderClusterIndex() : table.appliedIndex();
    }

    /**
     * Whether this node has caught up with its group since the group opened here: a ReadIndex round
     * answered, so the table holds at least every state the cluster had committed by then, including
     * every state this node served before it stopped. Until then it serves no local read. Applies and
     * commit-index updates are not synced, so after a power loss the table, and even the commit index
     * persisted in the log, can stand before states this node already served; reading it then would go
     * back in time (power-loss-node: revision 201 after 202; power-loss-leader: 1267 after 1268).
     */
    private volatile boolean caughtUp;

    /** A ReadIndex round of the group answered after it opened on this node, and this node applied its index. */
    public void caughtUp() {
        caughtUp = true;
    }

    /** Whether local reads are refused: the group has not yet confirmed, since it opened here, that this node caught up. */
    public boolean catchingUp() {
        return !caughtUp;
    }

    /**
     * The tenure of the group's leader as this node sees it: cancelled when the leader changes, then
     * replaced. A write forwarded to the leader listens on it, so a leader that froze or died ends the
     * forward when the group elects another, instead of at the client's deadline.
     */
    private volatile io.grpc.Context.CancellableContext leaderTenure = io.grpc.Context.ROOT.withCancellation();

    @Override
    public void leaderChanged(long leaderId) {
        io.grpc.Context.CancellableContext ended = leaderTenure;
        leaderTenure = io.grpc.Context.ROOT.withCancellation();
        ended.cancel(null);
    }

    /** The current leader's tenure in this node's view; cancelled when it ends. */
    public io.grpc.Context.CancellableContext leaderTenure() {
        return leaderTenure;
    }

    /** Waiters on {@link #position()}. */
    public AppliedWatch watch() {
        return watch;
    }

    public Table table() {
        return table;
    }

    @Override
    public long appliedIndex() {
        return table.appliedIndex();
    }

    @Override
    public Object apply(Entry entry) {
        Object result = null;
        if (entry.type() != EntryType.NORMAL) {
            table.markApplied(entry.index());
        } else if (followerCluster) {
            applyFollowerClusterEntry(entry);
        } else {
            result = table.apply(entry.index(), entry.index(), command(entry));
        }
        onApplied.accept(entry.index());
        watch.advance(position());
        return result;
    }

    /**
     * On the leader cluster, each run of consecutive commands goes to the table as one write (see
     * {@link Table#applyAll}); waiters learn of the run once it is written. A follower cluster's
     * entries are batches of the leader's already, so they apply one by one.
     */
    @Override
    public List<Object> applyAll(List<Entry> entries) {
        return applyAll(entries, e -> true);
    }

    /**
     * As {@link #applyAll(List)}; the commands no client here waits for leave their read results
     * unbuilt (see {@link Table.IndexedCommand#answered}). A follower cluster's results are never
     * handed out (its clients' writes are forwarded to the leader cluster), so nothing changes there.
     */
    @Override
    public List<Object> applyAll(List<Entry> entries, java.util.function.Predicate<Entry> awaited) {
        if (followerCluster) {
            return GroupStateMachine.super.applyAll(entries);
        }
        List<Object> results = new ArrayList<>(entries.size());
        int i = 0;
        while (i < entries.size()) {
            if (entries.get(i).type() != EntryType.NORMAL) {
                results.add(apply(entries.get(i)));
                i++;
                continue;
            }
            List<Table.IndexedCommand> run = new ArrayList<>();
            for (; i < entries.size() && entries.get(i).type() == EntryType.NORMAL; i++) {
                Entry e = entries.get(i);
                run.add(new Table.IndexedCommand(e.index(), e.index(), command(e), awaited.test(e)));
            }
            results.addAll(table.applyAll(run));
            for (Table.IndexedCommand c : run) {
                onApplied.accept(c.index());
            }
            watch.advance(position());
        }
        return results;
    }

    private void applyFollowerClusterEntry(Entry entry) {
        long index = entry.index();
        FollowerClusterEntry fe;
        try {
            fe = FollowerClusterEntry.parseFrom(entry.data());
        } catch (InvalidProtocolBufferException e) {
            // committed, so on every replica alike: skipping it is the same everywhere, stopping would stop them all
            log.error("table {}: entry {} is no follower-cluster entry; it is applied as a no-op", tableId, index, e);
            table.markApplied(index);
            return;
        }
        switch (fe.getOpCase()) {
            case BATCH -> {
                if (table.isResetting()) { // a snapshot load was cut short by a leadership change: it restarts
                    table.markApplied(index);
                    return;
                }
                List<ReplicatedEntry> entries = fe.getBatch().getEntriesList();
                if (!entries.isEmpty() && entries.getFirst().getIndex() > position() + 1) {
                    // a gap: an earlier batch of a pipelined replicator failed to commit; the leader's
                    // log has every index, so applying this one would skip writes. Every member skips
                    // it alike, and the replicator pulls again from what applied.
                    log.debug(
                            "table {}: replicated batch from leader-cluster index {} skipped; applied up to {}",
                            tableId,
                            entries.getFirst().getIndex(),
                            position());
                    table.markApplied(index);
                    return;
                }
                List<Table.LeaderClusterEntry> leaderClusterEntries = new ArrayList<>(entries.size());
                for (ReplicatedEntry e : entries) {
                    leaderClusterEntries.add(
                            new Table.LeaderClusterEntry(e.getIndex(), e.hasCommand() ? e.getCommand() : null));
                }
                table.applyReplicated(index, leaderClusterEntries); // all or nothing: a crash replays the whole entry
                table.markApplied(index); // a batch of replays only
                lag.leaderClusterAt(
                        fe.getBatch().getLeaderAppliedIndex(), fe.getBatch().getLeaderRevision());
            }
            case SNAPSHOT_BEGIN -> table.beginReset(index);
            case SNAPSHOT_RECORDS -> {
                List<SnapshotReader.Item> items = new ArrayList<>();
                for (SnapshotRecord r : fe.getSnapshotRecords().getRecordsList()) {
                    items.add(new SnapshotReader.Item(
                            r.getKey().toByteArray(), r.getRecord().toByteArray()));
                }
                table.loadRecords(index, items);
            }
            case SNAPSHOT_END -> {
                table.endReset(
                        index,
                        fe.getSnapshotEnd().getLeaderIndex(),
                        fe.getSnapshotEnd().getLeaderRevision());
                lag.leaderClusterAt(
                        fe.getSnapshotEnd().getLeaderIndex(),
                        fe.getSnapshotEnd().getLeaderRevision());
            }
            case OP_NOT_SET -> {
                log.error(
                        "table {}: follower-cluster entry {} carries nothing (written by a newer version?); applied as a no-op",
                        tableId,
                        index);
                table.markApplied(index);
            }
        }
    }

    /**
     * The entry's command. Bytes that are no command (written by a newer version, or damaged before
     * they were proposed) become the empty command, which every replica records alike as an invalid
     * one: a committed entry is never a reason to stop.
     */
    private Command command(Entry entry) {
        try {
            return Command.parseFrom(entry.data());
        } catch (InvalidProtocolBufferException e) {
            log.error("table {}: entry {} is no command; it is recorded as a failed one", tableId, entry.index(), e);
            return Command.getDefaultInstance();
        }
    }

    @Override
    public void syncApplied() {
        store.syncWal(); // a failure is a StorageException: the worker stops the node
    }

    @Override
    public SnapshotMeta takeSnapshot(SnapshotMeta identity) {
        try (TableSnapshot snapshot = table.snapshot()) {
            if (snapshot.index() != identity.index()) {
                throw new IllegalStateException("table " + tableId + ": snapshot at " + identity.index()
                        + " but the table has applied " + snapshot.index());
            }
            files.write(identity, out -> {
                while (snapshot.hasNext()) {
                    snapshot.next().writeDelimitedTo(out);
                }
            });
        } catch (IOException e) {
            throw new UncheckedIOException("table " + tableId + ": cannot write a snapshot", e);
        }
        return identity;
    }

    @Override
    public SnapshotMeta latestSnapshot() {
        return files.latest();
    }

    @Override
    public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
        return files.read(meta, offset, maxBytes);
    }

    @Override
    public void stageSnapshotChunk(SnapshotChunk chunk) {
        files.stage(chunk);
    }

    @Override
    public void installSnapshot(SnapshotMeta meta) {
        install(files.commitStaged(meta), meta);
        onApplied.accept(meta.index());
        watch.advance(position());
    }

    private void install(Path data, SnapshotMeta meta) {
        try (InputStream in = Files.newInputStream(data)) {
            table = store.installSnapshot(tableId, new SnapshotFileChunks(in), meta.index());
        } catch (IOException e) {
            throw new UncheckedIOException("table " + tableId + ": cannot read snapshot " + data, e);
        }
    }

    /** Writes a snapshot's bytes. */
    @FunctionalInterface
    interface SnapshotWriter {
        void writeTo(OutputStream out) throws IOException;
    }
}
