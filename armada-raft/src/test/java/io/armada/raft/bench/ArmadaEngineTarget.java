package io.armada.raft.bench;

import io.armada.raft.Entry;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.engine.EngineConfig;
import io.armada.raft.engine.EngineStats;
import io.armada.raft.engine.GroupStateMachine;
import io.armada.raft.engine.RaftEngine;
import io.armada.raft.engine.RaftException;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.raft.transport.Transport;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Armada's engine under benchmark: three {@link RaftEngine}s in this JVM, each with its own
 * RocksDB {@link LogStore} (fsync on) and a transport from {@link Transports}, hosting every group.
 * Proposals go to the group's current leader; a NOT_LEADER answer re-routes to the hint.
 */
public final class ArmadaEngineTarget implements BenchTarget {
    static final String NAME = "armada";
    private static final List<Long> NODES = List.of(1L, 2L, 3L);

    private final Transports transports;
    private final List<RaftEngine> engines = new ArrayList<>();
    private final List<LogStore> logStores = new ArrayList<>();
    private final List<AutoCloseable> closeables = new ArrayList<>();
    private AtomicLongArray leaderOf = new AtomicLongArray(0);
    private volatile EngineStats.Snapshot windowStart;
    private volatile long windowStartNanos;

    /** Makes the transports of the three nodes. */
    @FunctionalInterface
    public interface Transports {
        List<Transport> create(List<Long> nodeIds, Path dataDir, List<AutoCloseable> toClose) throws Exception;
    }

    /** Three engines over real QUIC on 127.0.0.1 (TLS 1.3, one connection per peer pair). */
    public ArmadaEngineTarget() {
        this(QuicTransports::create);
    }

    public ArmadaEngineTarget(Transports transports) {
        this.transports = transports;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public void start(Path dataDir, int groups) throws Exception {
        List<Transport> nodeTransports = transports.create(NODES, dataDir, closeables);
        for (int i = 0; i < NODES.size(); i++) {
            long id = NODES.get(i);
            LogStore store = LogStore.open(dataDir.resolve("n" + id), LogStoreOptions.defaults(), e -> {
                throw new IllegalStateException("fatal log store error on node " + id, e);
            });
            logStores.add(store);
            // No snapshots during a run: the counting state machine has nothing to snapshot.
            EngineConfig config = EngineConfig.defaults().withSnapshots(Long.MAX_VALUE / 2, 0);
            RaftEngine engine = new RaftEngine(
                    id,
                    config,
                    RaftConfig.defaults(),
                    store,
                    nodeTransports.get(i),
                    e -> System.err.println("FATAL on node " + id + ": " + e));
            engines.add(engine);
            engine.start();
        }
        leaderOf = new AtomicLongArray(groups);
        List<CompletableFuture<Void>> opened = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            for (RaftEngine engine : engines) {
                opened.add(engine.openGroup(g + 1, NODES, new CountingStateMachine()));
            }
        }
        CompletableFuture.allOf(opened.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        for (int g = 0; g < groups; g++) {
            // Commit one entry per group: proves a working leader before the measurement starts.
            propose(g, new byte[1]).get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
        }
    }

    @Override
    public CompletableFuture<Void> propose(int group, byte[] payload) {
        return propose(group, payload, 0);
    }

    private CompletableFuture<Void> propose(int group, byte[] payload, int attempt) {
        long leader = leaderOf.get(group);
        RaftEngine engine = engines.get((int) (leader == 0 ? (group % NODES.size()) : leader - 1));
        return engine.propose(group + 1, payload)
                .handle((applied, error) -> {
                    if (error == null) {
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    Throwable cause =
                            error instanceof java.util.concurrent.CompletionException ? error.getCause() : error;
                    if (cause instanceof RaftException re
                            && re.kind() == RaftException.Kind.NOT_LEADER
                            && attempt < 200) {
                        long hint = re.leaderHint() != 0 ? re.leaderHint() : findLeader(group + 1);
                        leaderOf.set(group, hint);
                        return delayed(hint == 0 ? 10 : 0).thenCompose(x -> propose(group, payload, attempt + 1));
                    }
                    return CompletableFuture.<Void>failedFuture(cause);
                })
                .thenCompose(f -> f);
    }

    private static CompletableFuture<Void> delayed(long millis) {
        if (millis == 0) {
            return CompletableFuture.completedFuture(null);
        }
        return CompletableFuture.runAsync(() -> {}, CompletableFuture.delayedExecutor(millis, TimeUnit.MILLISECONDS));
    }

    private long findLeader(long groupId) {
        for (RaftEngine e : engines) {
            var s = e.status(groupId);
            if (s.isPresent() && s.get().role() == RaftRole.LEADER) {
                return e.nodeId();
            }
        }
        return 0;
    }

    @Override
    public void beginMeasurement() {
        windowStart = sum();
        windowStartNanos = System.nanoTime();
    }

    private EngineStats.Snapshot sum() {
        EngineStats.Snapshot total = EngineStats.Snapshot.ZERO;
        for (RaftEngine e : engines) {
            total = total.plus(e.stats().snapshot());
        }
        return total;
    }

    @Override
    public Map<String, Double> extraStats() {
        EngineStats.Snapshot w = sum().minus(windowStart);
        double seconds = (System.nanoTime() - windowStartNanos) / 1e9;
        Map<String, Double> out = new LinkedHashMap<>();
        out.put("entries/fsync", w.entriesPerSync());
        out.put("fsyncs/s", w.syncs() / seconds);
        out.put("fsync ms", w.meanSyncMillis());
        out.put("leader changes", (double) w.leaderChanges());
        return out;
    }

    @Override
    public void close() throws IOException {
        engines.forEach(RaftEngine::close);
        for (AutoCloseable c : closeables) {
            try {
                c.close();
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
        logStores.forEach(LogStore::close);
    }

    /** Applies by counting; never snapshots within a benchmark run. */
    private static final class CountingStateMachine implements GroupStateMachine {
        private long applied;

        @Override
        public void syncApplied() {
            // state in memory only, rebuilt from the log and the snapshot file at start
        }

        @Override
        public long appliedIndex() {
            return applied;
        }

        @Override
        public Object apply(Entry entry) {
            applied = entry.index();
            return null;
        }

        @Override
        public SnapshotMeta takeSnapshot(SnapshotMeta identity) {
            throw new UnsupportedOperationException("the benchmark's state machine takes no snapshots");
        }

        @Override
        public SnapshotMeta latestSnapshot() {
            return SnapshotMeta.EMPTY;
        }

        @Override
        public void stageSnapshotChunk(SnapshotChunk chunk) {
            throw new UnsupportedOperationException("no snapshots in the benchmark");
        }

        @Override
        public void installSnapshot(SnapshotMeta meta) {
            throw new UnsupportedOperationException("no snapshots in the benchmark");
        }

        @Override
        public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
            return null;
        }
    }
}
