package io.armada.storage;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import io.armada.api.v1.Compare;
import io.armada.api.v1.DeleteRangeRequest;
import io.armada.api.v1.DeleteRangeResponse;
import io.armada.api.v1.KeyValue;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.PutResponse;
import io.armada.api.v1.RangeRequest;
import io.armada.api.v1.RangeResponse;
import io.armada.api.v1.RequestOp;
import io.armada.api.v1.ResponseHeader;
import io.armada.api.v1.ResponseOp;
import io.armada.api.v1.TxnRequest;
import io.armada.api.v1.TxnResponse;
import io.armada.internal.v1.Command;
import io.armada.internal.v1.CommandError;
import io.armada.internal.v1.CommandResult;
import io.armada.proto.Limits;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.ColumnFamilyHandle;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One table of a {@link TableStore}: applies commands at a revision and serves reads, each on one
 * RocksDB snapshot so a scan sees exactly one revision. Apply is called by one thread at a time
 * (the table's Raft group); reads may run on any thread concurrently.
 */
public final class Table {
    private static final Logger log = LoggerFactory.getLogger(Table.class);
    /** Key of the applied marker inside the table's column family: sorts before every data key. */
    static final byte[] APPLIED_KEY = {0};
    /** Follower clusters: the last leader-cluster index applied (its entries may carry no command). */
    static final byte[] LEADER_CLUSTER_INDEX_KEY = {0, 'S'};
    /** Follower clusters: present while a leader-cluster snapshot is being loaded; the content is partial. */
    static final byte[] RESET_KEY = {0, 'R'};
    /** Present once a {@code RetireTable} command applied: the table is being deleted; writes fail, reads answer not found. */
    static final byte[] RETIRED_KEY = {0, 'D'};

    private final long id;
    private final RocksDB db;
    private final WriteOptions writeOptions;
    /** Guards {@link #cf}: a snapshot install swaps the column family; reads and applies hold the read lock. */
    private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();

    private ColumnFamilyHandle cf;
    private volatile boolean dropped;
    private volatile AppliedMarker applied;
    private volatile long leaderClusterIndex;
    private volatile boolean resetting;
    private volatile boolean retired;
    private final RecentRecords recentRecords;
    /** This content's entries in {@link #recentRecords}; replaced whenever the content is replaced wholesale. */
    private volatile RecentRecords.Scope recent;

    /** The position of the last applied command: the local Raft index and the revision it stamped. */
    public record AppliedMarker(long index, long revision) {
        static final AppliedMarker NONE = new AppliedMarker(0, 0);

        byte[] encode() {
            return ByteBuffer.allocate(16).putLong(index).putLong(revision).array();
        }

        static AppliedMarker decode(byte[] bytes) {
            if (bytes == null) {
                return NONE;
            }
            ByteBuffer b = ByteBuffer.wrap(bytes);
            return new AppliedMarker(b.getLong(), b.getLong());
        }
    }

    Table(long id, RocksDB db, ColumnFamilyHandle cf, WriteOptions writeOptions, RecentRecords recentRecords) {
        this.id = id;
        this.recentRecords = recentRecords;
        this.recent = recentRecords.newScope();
        this.db = db;
        this.cf = cf;
        this.writeOptions = writeOptions;
        Markers stored = Markers.read(id, db, cf);
        this.applied = stored.applied();
        this.leaderClusterIndex = stored.leaderClusterIndex();
        this.resetting = stored.resetting();
        this.retired = stored.retired();
    }

    /**
     * What a table's column family stores besides its data: the applied marker and, on follower
     * clusters, the leader-cluster index ({@link #LEADER_CLUSTER_INDEX_KEY}, 0 when absent) and whether a leader-cluster snapshot
     * load is unfinished ({@link #RESET_KEY}). The in-memory fields are always set from one of these
     * as read back from RocksDB (at open and at a snapshot install), so they cannot disagree with it.
     * {@code retired}: a {@code RetireTable} command applied ({@link #RETIRED_KEY}), on any table.
     */
    record Markers(AppliedMarker applied, long leaderClusterIndex, boolean resetting, boolean retired) {
        Markers {
            if (leaderClusterIndex < 0) {
                throw new IllegalArgumentException("negative leader-cluster index " + leaderClusterIndex);
            }
        }

        static Markers read(long tableId, RocksDB db, ColumnFamilyHandle cf) {
            try {
                byte[] source = db.get(cf, LEADER_CLUSTER_INDEX_KEY);
                return new Markers(
                        AppliedMarker.decode(db.get(cf, APPLIED_KEY)),
                        source == null ? 0 : ByteBuffer.wrap(source).getLong(),
                        db.get(cf, RESET_KEY) != null,
                        db.get(cf, RETIRED_KEY) != null);
            } catch (RocksDBException e) {
                throw new StorageException(
                        "table " + tableId + ": cannot read the applied and follower-cluster markers", e);
            }
        }
    }

    public long id() {
        return id;
    }

    /** Local Raft index of the last applied command (idempotence: anything at or below is skipped). */
    public long appliedIndex() {
        return applied.index();
    }

    /** Revision of the table's last write: what a read now sees. */
    public long revision() {
        return applied.revision();
    }

    public AppliedMarker applied() {
        return applied;
    }

    /**
     * Executes {@code command} at {@code revision} and records {@code index} and {@code revision}
     * as applied, all in one atomic write. A command at or below the applied index is a replay
     * and returns an empty result without touching anything. The command must have passed
     * {@link CommandValidator}: an invalid one here is a broken invariant.
     */
    public CommandResult apply(long index, long revision, Command command) {
        return applyAll(List.of(new IndexedCommand(index, revision, command))).getFirst();
    }

    /**
     * A command of a run to apply, at its local Raft {@code index} and its {@code revision}.
     * {@code answered}: whether its result reaches a client. When it does not (a replica that did not
     * propose it), a Txn's ranges are not built: they only take from the response's budget, which
     * later {@code prev_kv} results share, so the command does the same to the table on every replica.
     */
    public record IndexedCommand(long index, long revision, Command command, boolean answered) {
        public IndexedCommand(long index, long revision, Command command) {
            this(index, revision, command, true);
        }
    }

    /**
     * Executes a run of commands in order, as {@link #apply} does each, and records them with the
     * last one's index and revision in one atomic write: each later command sees the earlier ones'
     * writes, and a reader sees none or all of the run. One write per run instead of per command
     * is what lets a table take thousands of writes per Raft round cheaply.
     */
    public List<CommandResult> applyAll(List<IndexedCommand> commands) {
        lock.readLock().lock();
        try {
            checkOpen();
            AppliedMarker last = applied;
            List<CommandResult> results = new ArrayList<>(commands.size());
            try (ReadOptions ro = new ReadOptions();
                    WriteBatch batch = new WriteBatch()) {
                TableView view = new TableView(db, cf, ro, recent).retiredAlready(retired);
                for (IndexedCommand c : commands) {
                    if (c.index() <= last.index()) {
                        results.add(CommandResult.getDefaultInstance());
                        continue;
                    }
                    if (c.revision() <= last.revision()) {
                        throw new IllegalStateException("table " + id + ": revision " + c.revision() + " at index "
                                + c.index() + " does not follow revision " + last.revision());
                    }
                    results.add(executeOrFail(view, c.index(), c.revision(), c.command(), c.answered()));
                    last = new AppliedMarker(c.index(), c.revision());
                }
                if (last != applied) {
                    writeTo(batch, view);
                    batch.put(cf, APPLIED_KEY, last.encode());
                    db.write(writeOptions, batch);
                    view.committed();
                    applied = last;
                    retired = view.retired();
                }
                return results;
            } catch (RocksDBException e) {
                throw new StorageException("table " + id + ": apply through index " + last.index() + " failed", e);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Follower clusters: the last leader-cluster index this table applied, where replication resumes. At
     * least the revision: a table installed from a snapshot stream without follower-cluster markers (a plain
     * header, as streams written before they existed have) knows only that.
     */
    public long leaderClusterIndex() {
        return Math.max(leaderClusterIndex, applied.revision());
    }

    /**
     * Whether a {@code RetireTable} command applied: the table is being deleted. Every later write
     * fails with {@code TABLE_DELETED}; a read must answer that the table does not exist.
     */
    public boolean isRetired() {
        return retired;
    }

    /** Follower clusters: a leader-cluster snapshot is being loaded and the content is partial; reads must wait. */
    public boolean isResetting() {
        return resetting;
    }

    /** Follower clusters: a leader-cluster entry: its index there and its command (null: a no-op there). */
    public record LeaderClusterEntry(long leaderClusterIndex, Command command) {}

    /**
     * Follower clusters: applies one leader-cluster entry as local Raft entry {@code index}; see
     * {@link #applyReplicated(long, List)}.
     */
    public CommandResult applyReplicated(long index, long leaderClusterIndex, Command command) {
        return applyReplicated(index, List.of(new LeaderClusterEntry(leaderClusterIndex, command)))
                .getFirst();
    }

    /**
     * Follower clusters: applies the leader's entries carried by local Raft entry {@code index}, all
     * or nothing: their effects, the applied marker (the local index and the last command's leader
     * index as revision) and the last leader-cluster index go in one atomic write. A crash in the middle
     * leaves the entry unapplied, so the Raft log replays it whole; applying them one write each would
     * record the local index after the first, and the rest would never be applied. Each command stamps
     * its leader-cluster index as its revision; a leader-cluster entry at or below the recorded leader-cluster index is a
     * replay and is skipped (a result of its own is then empty).
     */
    public List<CommandResult> applyReplicated(long index, List<LeaderClusterEntry> entries) {
        lock.readLock().lock();
        try {
            checkOpen();
            AppliedMarker before = applied;
            long recorded = leaderClusterIndex();
            if (index < before.index() && entries.stream().anyMatch(e -> e.leaderClusterIndex() > recorded)) {
                throw new IllegalStateException("table " + id + ": new leader-cluster entries in local entry " + index
                        + ", behind the applied " + before.index());
            }
            long source = recorded;
            AppliedMarker after = before;
            List<CommandResult> results = new ArrayList<>(entries.size());
            try (ReadOptions ro = new ReadOptions();
                    WriteBatch batch = new WriteBatch()) {
                TableView view = new TableView(db, cf, ro, recent).retiredAlready(retired);
                for (LeaderClusterEntry e : entries) {
                    if (e.leaderClusterIndex() <= source) {
                        results.add(CommandResult.getDefaultInstance());
                        continue;
                    }
                    source = e.leaderClusterIndex();
                    if (e.command() == null) {
                        results.add(CommandResult.getDefaultInstance());
                        after = new AppliedMarker(index, after.revision());
                        continue;
                    }
                    if (e.leaderClusterIndex() <= after.revision()) {
                        throw new IllegalStateException("table " + id + ": leader-cluster index "
                                + e.leaderClusterIndex() + " does not follow revision " + after.revision());
                    }
                    // no client of this follower cluster waits for a leader-cluster entry's result
                    results.add(executeOrFail(view, index, e.leaderClusterIndex(), e.command(), false));
                    after = new AppliedMarker(index, e.leaderClusterIndex());
                }
                if (source == recorded) {
                    return results; // every entry a replay: nothing to write
                }
                writeTo(batch, view);
                batch.put(cf, APPLIED_KEY, after.encode());
                batch.put(cf, LEADER_CLUSTER_INDEX_KEY, longBytes(source));
                db.write(writeOptions, batch);
                view.committed();
                applied = after;
                leaderClusterIndex = source;
                retired = view.retired();
                return results;
            } catch (RocksDBException e) {
                throw new StorageException(
                        "table " + id + ": apply of leader-cluster entries through " + source + " in local entry "
                                + index + " failed",
                        e);
            }
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * Follower clusters: starts loading a leader-cluster snapshot at local entry {@code index}: the table
     * is emptied and marked resetting in one write. {@link #loadRecords} entries follow, then
     * {@link #endReset}. Every step is an ordinary applied entry, so a crash or a Raft snapshot of the follower-cluster group
     * in the middle resumes the load where it stood.
     */
    public void beginReset(long index) {
        if (mutate(index, (batch, before) -> {
            batch.deleteRange(cf, new byte[] {TableView.DATA_PREFIX}, new byte[] {TableView.DATA_PREFIX + 1});
            batch.put(cf, RESET_KEY, new byte[0]);
            return new AppliedMarker(index, before.revision());
        })) {
            resetting = true;
            recent = recentRecords.newScope(); // the content is gone: so are its remembered records
        }
    }

    /** Follower clusters: writes snapshot records (as {@link SnapshotReader} yields them) at local entry {@code index}. */
    public void loadRecords(long index, List<SnapshotReader.Item> records) {
        if (mutate(index, (batch, before) -> {
            for (SnapshotReader.Item item : records) {
                VersionedValue.decode(item.record()); // validates
                batch.put(cf, TableView.dataKey(item.key()), item.record());
            }
            return new AppliedMarker(index, before.revision());
        })) {
            recent = recentRecords.newScope(); // written around the apply path: forget what it remembered
        }
    }

    /** Follower clusters: completes a snapshot load; the table now stands at {@code leaderClusterIndex}. */
    public void endReset(long index, long leaderClusterIndex, long leaderClusterRevision) {
        if (mutate(index, (batch, before) -> {
            batch.delete(cf, RESET_KEY);
            batch.put(cf, LEADER_CLUSTER_INDEX_KEY, longBytes(leaderClusterIndex));
            return new AppliedMarker(index, Math.max(before.revision(), leaderClusterRevision));
        })) {
            resetting = false;
            this.leaderClusterIndex = leaderClusterIndex;
        }
    }

    /** Adds writes to a batch and returns the applied marker after them. */
    @FunctionalInterface
    private interface Change {
        AppliedMarker apply(WriteBatch batch, AppliedMarker before) throws RocksDBException;
    }

    /** One atomic write of {@code change} plus the applied marker; false if {@code index} is a replay (nothing written). */
    private boolean mutate(long index, Change change) {
        lock.readLock().lock();
        try {
            checkOpen();
            AppliedMarker before = applied;
            if (index <= before.index()) {
                return false;
            }
            try (WriteBatch batch = new WriteBatch()) {
                AppliedMarker after = change.apply(batch, before);
                batch.put(cf, APPLIED_KEY, after.encode());
                db.write(writeOptions, batch);
                applied = after;
                return true;
            }
        } catch (RocksDBException e) {
            throw new StorageException("table " + id + ": write at index " + index + " failed", e);
        } finally {
            lock.readLock().unlock();
        }
    }

    private static byte[] longBytes(long v) {
        return ByteBuffer.allocate(8).putLong(v).array();
    }

    /** Records that the Raft entry at {@code index} (no-op, membership change) was applied; the revision stays. */
    public void markApplied(long index) {
        lock.readLock().lock();
        try {
            checkOpen();
            AppliedMarker before = applied;
            if (index <= before.index()) {
                return;
            }
            AppliedMarker after = new AppliedMarker(index, before.revision());
            db.put(cf, writeOptions, APPLIED_KEY, after.encode());
            applied = after;
        } catch (RocksDBException e) {
            throw new StorageException("table " + id + ": marking index " + index + " applied failed", e);
        } finally {
            lock.readLock().unlock();
        }
    }

    private void writeTo(WriteBatch batch, TableView view) throws RocksDBException {
        if (view.retired() && !retired) {
            batch.put(cf, RETIRED_KEY, new byte[0]);
        }
        for (Map.Entry<byte[], VersionedValue> w : view.writes().entrySet()) {
            if (w.getValue() == null) {
                batch.delete(cf, TableView.dataKey(w.getKey()));
            } else {
                batch.put(cf, TableView.dataKey(w.getKey()), w.getValue().encode());
            }
        }
    }

    /**
     * Executes one committed command, or records why it cannot be applied. Every replica runs the
     * same code on the same state, so a command that fails here fails alike everywhere: it becomes a
     * {@link CommandError} result at its index, its writes are undone, and the run goes on. Stopping
     * the node instead would stop every replica, again at every restart, since the entry stays in the
     * log. Only a storage fault ({@link StorageException}) escapes: this node's data is in doubt.
     */
    private CommandResult executeOrFail(TableView view, long index, long revision, Command command, boolean answered) {
        if (view.retired()) {
            return failed(
                    CommandError.Reason.TABLE_DELETED,
                    "the table was deleted by an earlier entry of its group;" + " the command at index " + index
                            + " changed nothing");
        }
        if (command.getOpCase() == Command.OpCase.RETIRE) {
            view.retire();
            return CommandResult.getDefaultInstance();
        }
        view.beginCommand();
        try {
            CommandValidator.validate(command);
            return execute(view, revision, command, answered);
        } catch (StorageException e) {
            throw e;
        } catch (InvalidRequestException e) {
            view.discardCommand();
            return failed(CommandError.Reason.INVALID_ARGUMENT, e.getMessage());
        } catch (ResponseTooLargeException e) {
            view.discardCommand();
            return failed(CommandError.Reason.RESOURCE_EXHAUSTED, e.getMessage());
        } catch (RuntimeException e) {
            view.discardCommand();
            log.error("table {}: the command at index {} could not be applied; it is recorded as failed", id, index, e);
            return failed(
                    CommandError.Reason.INTERNAL,
                    "the command at index " + index + " could not be applied" + " and changed nothing");
        }
    }

    private static CommandResult failed(CommandError.Reason reason, String message) {
        return CommandResult.newBuilder()
                .setError(CommandError.newBuilder().setReason(reason).setMessage(message))
                .build();
    }

    private CommandResult execute(TableView view, long revision, Command command, boolean answered) {
        ResponseHeader header =
                ResponseHeader.newBuilder().setRevision(revision).build();
        ResponseBudget budget = new ResponseBudget(Limits.MAX_WRITE_RESPONSE_BYTES);
        return switch (command.getOpCase()) {
            case PUT ->
                CommandResult.newBuilder()
                        .setPut(put(view, revision, command.getPut(), budget, "put")
                                .setHeader(header))
                        .build();
            case DELETE_RANGE ->
                CommandResult.newBuilder()
                        .setDeleteRange(deleteRange(view, command.getDeleteRange(), budget, "delete_range")
                                .setHeader(header))
                        .build();
            case TXN ->
                CommandResult.newBuilder()
                        .setTxn(txn(view, revision, command.getTxn(), budget, answered)
                                .setHeader(header))
                        .build();
            case RETIRE, OP_NOT_SET -> throw new IllegalStateException(command.getOpCase() + " reached execute");
        };
    }

    private PutResponse.Builder put(
            TableView view, long revision, PutRequest put, ResponseBudget budget, String field) {
        byte[] key = put.getKey().toByteArray();
        VersionedValue previous = view.get(key);
        view.put(key, VersionedValue.put(previous, revision, put.getValue().toByteArray()));
        PutResponse.Builder response = PutResponse.newBuilder();
        if (put.getPrevKv() && previous != null) {
            KeyValue kv = keyValue(key, previous, false);
            budget.require(field + ".prev_kv", kv);
            response.setPrevKv(kv);
        }
        return response;
    }

    private DeleteRangeResponse.Builder deleteRange(
            TableView view, DeleteRangeRequest delete, ResponseBudget budget, String field) {
        KeyRange range =
                KeyRange.of(delete.getKey().toByteArray(), delete.getRangeEnd().toByteArray());
        List<TableView.KeyRecord> doomed = new ArrayList<>();
        try (TableView.Scan scan = view.scan(range)) {
            scan.forEachRemaining(doomed::add);
        }
        DeleteRangeResponse.Builder response = DeleteRangeResponse.newBuilder().setDeleted(doomed.size());
        for (TableView.KeyRecord kr : doomed) {
            view.delete(kr.key());
            if (delete.getPrevKv()) {
                KeyValue kv = keyValue(kr.key(), kr.record(), false);
                budget.require(field + ".prev_kv", kv);
                response.addPrevKvs(kv);
            }
        }
        return response;
    }

    private TxnResponse.Builder txn(
            TableView view, long revision, TxnRequest txn, ResponseBudget budget, boolean answered) {
        boolean succeeded = true;
        for (Compare c : txn.getCompareList()) {
            if (!holds(view, c)) {
                succeeded = false;
                break;
            }
        }
        TxnResponse.Builder response = TxnResponse.newBuilder().setSucceeded(succeeded);
        ResponseHeader header =
                ResponseHeader.newBuilder().setRevision(revision).build();
        List<RequestOp> ops = succeeded ? txn.getSuccessList() : txn.getFailureList();
        String branch = succeeded ? "txn.success" : "txn.failure";
        for (int i = 0; i < ops.size(); i++) {
            RequestOp op = ops.get(i);
            String field = branch + "[" + i + "]";
            ResponseOp.Builder r = ResponseOp.newBuilder();
            switch (op.getRequestCase()) {
                // the txn's ranges share the response's budget: what does not fit is left to a later page (more)
                case REQUEST_RANGE -> r.setResponseRange(range(view, op.getRequestRange(), revision, budget, answered));
                case REQUEST_PUT ->
                    r.setResponsePut(put(view, revision, op.getRequestPut(), budget, field + ".request_put")
                            .setHeader(header));
                case REQUEST_DELETE_RANGE ->
                    r.setResponseDeleteRange(
                            deleteRange(view, op.getRequestDeleteRange(), budget, field + ".request_delete_range")
                                    .setHeader(header));
                case REQUEST_NOT_SET -> throw new IllegalStateException("empty txn op reached apply");
            }
            response.addResponses(r);
        }
        return response;
    }

    private static boolean holds(TableView view, Compare c) {
        byte[] key = c.getKey().toByteArray();
        if (c.getRangeEnd().isEmpty()) {
            return holds(c, view.get(key));
        }
        try (TableView.Scan scan = view.scan(KeyRange.of(key, c.getRangeEnd().toByteArray()))) {
            while (scan.hasNext()) {
                if (!holds(c, scan.next().record())) {
                    return false;
                }
            }
        }
        return true;
    }

    /** etcd's rules: a missing key has version, create and mod revision 0; a VALUE compare on it is false. */
    private static boolean holds(Compare c, VersionedValue r) {
        int cmp;
        switch (c.getTarget()) {
            case VALUE -> {
                if (r == null) {
                    return false;
                }
                cmp = Arrays.compareUnsigned(r.value(), c.getValue().toByteArray());
            }
            case VERSION -> cmp = Long.compare(r == null ? 0 : r.version(), c.getVersion());
            case CREATE -> cmp = Long.compare(r == null ? 0 : r.createRevision(), c.getCreateRevision());
            case MOD -> cmp = Long.compare(r == null ? 0 : r.modRevision(), c.getModRevision());
            default -> throw new IllegalStateException("unknown compare target " + c.getTarget());
        }
        return switch (c.getResult()) {
            case EQUAL -> cmp == 0;
            case NOT_EQUAL -> cmp != 0;
            case GREATER -> cmp > 0;
            case LESS -> cmp < 0;
            default -> throw new IllegalStateException("unknown compare result " + c.getResult());
        };
    }

    /** A serializable read of this node's state, on one snapshot; {@code header.revision} is the revision seen. */
    public RangeResponse range(RangeRequest request) {
        CommandValidator.validate("range", request);
        lock.readLock().lock();
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
            checkOpen();
            long revision = AppliedMarker.decode(db.get(cf, ro, APPLIED_KEY)).revision();
            return range(
                    new TableView(db, cf, ro),
                    request,
                    revision,
                    new ResponseBudget(Limits.MAX_RANGE_RESPONSE_BYTES),
                    true);
        } catch (RocksDBException e) {
            throw new StorageException("table " + id + ": range failed", e);
        } finally {
            db.releaseSnapshot(snapshot);
            lock.readLock().unlock();
        }
    }

    /**
     * The range's kvs as far as {@code budget} holds them (then {@code more}); {@code count} covers
     * every match. Unless {@code answered}, nothing is built and the scan stops once the budget or the
     * limit is reached: such a range (a Txn's, on a replica no client waits on) only takes from the
     * budget the records the answered range would carry, which later {@code prev_kv} results share, so
     * the command does the same to the table on every replica. One loop for both, so they cannot drift.
     */
    private static RangeResponse range(
            TableView view, RangeRequest request, long revision, ResponseBudget budget, boolean answered) {
        if (!answered && request.getCountOnly()) {
            return RangeResponse.getDefaultInstance();
        }
        KeyRange range = KeyRange.of(
                request.getKey().toByteArray(), request.getRangeEnd().toByteArray());
        long limit = request.getLimit() == 0 ? Long.MAX_VALUE : request.getLimit();
        RangeResponse.Builder response =
                RangeResponse.newBuilder().setHeader(ResponseHeader.newBuilder().setRevision(revision));
        long count = 0;
        long carried = 0;
        boolean full = false;
        try (TableView.Scan scan = view.scan(range)) {
            while (scan.hasNext()) {
                TableView.KeyRecord kr = scan.next();
                if (!matches(request, kr.record())) {
                    continue;
                }
                count++;
                if (request.getCountOnly() || full || carried >= limit) {
                    if (!answered) {
                        break; // only the count is left to compute, which nobody reads
                    }
                    continue;
                }
                KeyValue kv = keyValue(kr.key(), kr.record(), request.getKeysOnly());
                if (!budget.tryAdd(kv)) {
                    full = true;
                    continue;
                }
                carried++;
                if (answered) {
                    response.addKvs(kv);
                }
            }
        }
        if (!answered) {
            return RangeResponse.getDefaultInstance();
        }
        return response.setCount(count)
                .setMore(!request.getCountOnly() && count > carried)
                .build();
    }

    private static boolean matches(RangeRequest r, VersionedValue record) {
        return (r.getMinModRevision() == 0 || record.modRevision() >= r.getMinModRevision())
                && (r.getMaxModRevision() == 0 || record.modRevision() <= r.getMaxModRevision())
                && (r.getMinCreateRevision() == 0 || record.createRevision() >= r.getMinCreateRevision())
                && (r.getMaxCreateRevision() == 0 || record.createRevision() <= r.getMaxCreateRevision());
    }

    static KeyValue keyValue(byte[] key, VersionedValue r, boolean keysOnly) {
        KeyValue.Builder kv = KeyValue.newBuilder()
                .setKey(UnsafeByteOperations.unsafeWrap(key))
                .setCreateRevision(r.createRevision())
                .setModRevision(r.modRevision())
                .setVersion(r.version());
        if (!keysOnly) {
            kv.setValue(r.value().length == 0 ? ByteString.EMPTY : UnsafeByteOperations.unsafeWrap(r.value()));
        }
        return kv.build();
    }

    /**
     * Streams a large range in responses of at most {@code maxChunkBytes} of kvs, all from one
     * snapshot (every chunk has the same header.revision). Limit and filters apply across chunks;
     * {@code count} is not computed (0), {@code more} is set on every chunk but the last.
     */
    public RangeCursor iterate(RangeRequest request, int maxChunkBytes) {
        CommandValidator.validate("range", request);
        lock.readLock().lock();
        try {
            checkOpen();
            return new RangeCursor(this, db, cf, request, maxChunkBytes);
        } finally {
            lock.readLock().unlock();
        }
    }

    /** A consistent snapshot of the whole table for Raft snapshots, follower-cluster catch-up and backup. */
    public TableSnapshot snapshot() {
        lock.readLock().lock();
        try {
            checkOpen();
            return new TableSnapshot(db, cf);
        } finally {
            lock.readLock().unlock();
        }
    }

    /**
     * SHA-256 over every key with its value and revisions, in key order, and the table's revision:
     * equal digests mean equal tables (used to compare a follower cluster with the leader's).
     */
    public byte[] digest() {
        return digestAtRevision().sha256();
    }

    /** The table's digest with the revision it covers (both read from one RocksDB snapshot). */
    public Digest digestAtRevision() {
        lock.readLock().lock();
        Snapshot snapshot = db.getSnapshot();
        try (ReadOptions ro = new ReadOptions().setSnapshot(snapshot)) {
            checkOpen();
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            ByteBuffer longs = ByteBuffer.allocate(3 * Long.BYTES);
            long revision = AppliedMarker.decode(db.get(cf, ro, APPLIED_KEY)).revision();
            sha.update(ByteBuffer.allocate(8).putLong(revision).array());
            try (TableView.Scan scan = new TableView(db, cf, ro).scan(new KeyRange(new byte[0], null))) {
                while (scan.hasNext()) {
                    TableView.KeyRecord kr = scan.next();
                    longs.clear();
                    longs.putLong(kr.key().length)
                            .putLong(kr.record().value().length)
                            .putLong(kr.record().version());
                    sha.update(longs.array());
                    sha.update(kr.key());
                    sha.update(kr.record().value());
                    longs.clear();
                    longs.putLong(kr.record().createRevision())
                            .putLong(kr.record().modRevision())
                            .putLong(0);
                    sha.update(longs.array());
                }
            }
            return new Digest(revision, sha.digest());
        } catch (RocksDBException e) {
            throw new StorageException("table " + id + ": digest failed", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JDK", e);
        } finally {
            db.releaseSnapshot(snapshot);
            lock.readLock().unlock();
        }
    }

    /**
     * Swaps in the column family a snapshot was installed into, with the markers it stores (read back
     * by the caller before it committed the switch, so nothing here can fail half-way); returns the
     * old column family to drop.
     */
    ColumnFamilyHandle replaceColumnFamily(ColumnFamilyHandle replacement, Markers stored) {
        lock.writeLock().lock();
        try {
            ColumnFamilyHandle old = cf;
            cf = replacement;
            recent = recentRecords.newScope();
            applied = stored.applied();
            leaderClusterIndex = stored.leaderClusterIndex();
            resetting = stored.resetting();
            retired = stored.retired();
            return old;
        } finally {
            lock.writeLock().unlock();
        }
    }

    /** Marks the table dropped and returns its column family; later calls fail. */
    ColumnFamilyHandle markDropped() {
        lock.writeLock().lock();
        try {
            dropped = true;
            return cf;
        } finally {
            lock.writeLock().unlock();
        }
    }

    ColumnFamilyHandle columnFamily() {
        return cf;
    }

    private void checkOpen() {
        if (dropped) {
            throw new IllegalStateException("table " + id + " was dropped");
        }
    }

    /** A table digest: SHA-256 of the content at {@code revision}. */
    public record Digest(long revision, byte[] sha256) {}
}
