package io.armada.raft.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.raft.transport.memory.InMemoryNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The durability contract between the log store and a state machine whose applies are not synced
 * (the table store's): once the engine records a snapshot and compacts the log in a synced write,
 * a power loss must not leave the state machine before that snapshot (issue 13, finding 1: the group
 * then refused to reopen, "snapshot S is ahead of the applied index A", and for the catalog the
 * node could not start).
 */
class PowerLossAfterSnapshotTest {
    @TempDir
    Path dir;

    /**
     * Applies in memory; only what was applied at the last {@link #syncApplied} survives a power loss
     * ({@link #afterPowerLoss}). Snapshots are durable once taken, as fsynced snapshot files are.
     */
    static final class UnsyncedStateMachine implements GroupStateMachine {
        record Durable(long index, List<String> values, SnapshotMeta snapshot) {}

        private final List<String> values = new CopyOnWriteArrayList<>();
        private volatile long applied;
        private volatile SnapshotMeta snapshot;
        private volatile Durable durable;

        UnsyncedStateMachine(Durable start) {
            values.addAll(start.values());
            applied = start.index();
            snapshot = start.snapshot();
            durable = start;
        }

        /** What a power cut leaves: the state as of the last sync, the snapshots taken. */
        UnsyncedStateMachine afterPowerLoss() {
            return new UnsyncedStateMachine(new Durable(durable.index(), durable.values(), snapshot));
        }

        List<String> values() {
            return List.copyOf(values);
        }

        @Override
        public long appliedIndex() {
            return applied;
        }

        @Override
        public Object apply(Entry entry) {
            if (entry.type() == EntryType.NORMAL) {
                values.add(new String(entry.data(), StandardCharsets.UTF_8));
            }
            applied = entry.index();
            return entry.index();
        }

        @Override
        public void syncApplied() {
            durable = new Durable(applied, List.copyOf(values), snapshot);
        }

        @Override
        public SnapshotMeta takeSnapshot(SnapshotMeta identity) {
            snapshot = identity;
            return identity;
        }

        @Override
        public SnapshotMeta latestSnapshot() {
            return snapshot;
        }

        @Override
        public SnapshotChunk read(SnapshotMeta meta, long offset, int maxBytes) {
            return null; // a single-member group never sends a snapshot
        }

        @Override
        public void stageSnapshotChunk(SnapshotChunk chunk) {
            throw new UnsupportedOperationException("a single-member group never receives a snapshot");
        }

        @Override
        public void installSnapshot(SnapshotMeta meta) {
            throw new UnsupportedOperationException("a single-member group never receives a snapshot");
        }
    }

    /**
     * Issue 13, finding 9: an inbound snapshot at S is installed into the state machine, then the log
     * is reset; a crash between the two used to be repaired only when the log ended before S. A
     * divergent tail that covers S (entries of an older term, never committed) must go too.
     */
    @Test
    void aCrashBetweenASnapshotInstallAndTheLogResetDropsADivergentTailThatCoversTheSnapshot() {
        List<Throwable> fatal = new CopyOnWriteArrayList<>();
        io.armada.raft.ConfState conf = io.armada.raft.ConfState.ofVoters(1L, 2L, 3L);
        try (InMemoryNetwork network = InMemoryNetwork.singleThreaded()) {
            LogStore logStore = LogStore.open(dir.resolve("log"), LogStoreOptions.defaults(), fatal::add);
            LogStore.Batch batch = logStore.batch();
            for (long i = 1; i <= 10; i++) { // a term-1 log of which only index 2 ever committed
                batch.append(7, i, 1, StoredLog.encodeEntry(new Entry(1, i, EntryType.NORMAL, new byte[] {(byte) i})));
            }
            batch.hardState(7, StoredLog.encodeHardState(new io.armada.raft.HardState(2, 0, 2), conf));
            logStore.write(batch, true);
            // the state machine installed the term-2 leader's snapshot at 6; the crash came before the log reset
            SnapshotMeta installed = new SnapshotMeta(6, 2, conf);
            UnsyncedStateMachine sm =
                    new UnsyncedStateMachine(new UnsyncedStateMachine.Durable(6, List.of(), installed));
            RaftEngine engine = new RaftEngine(
                    1,
                    EngineConfig.defaults().withTickMillis(10),
                    RaftConfig.defaults(),
                    logStore,
                    network.transport(1),
                    fatal::add);
            engine.start();
            engine.openGroup(7, List.of(1L, 2L, 3L), sm)
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join();
            assertThat(logStore.term(7, 7))
                    .as("the divergent entry after the snapshot")
                    .isEqualTo(-1);
            assertThat(logStore.term(7, 10))
                    .as("the divergent tail's last entry")
                    .isEqualTo(-1);
            engine.close();
            logStore.close();
        }
        assertThat(fatal).isEmpty();
    }

    /**
     * Found by the Raft simulation (seed 4005): a node removed from the group, added back as a
     * learner and sent a snapshot, crashed between the install and the log reset. The repair reset
     * the log but kept the membership stored with the dropped log, so the node reopened as a voter
     * of its old configuration, won an election and overwrote committed entries. The repair must
     * store the snapshot's membership.
     */
    @Test
    void theRepairOfAnInterruptedSnapshotInstallStoresTheSnapshotsMembership() {
        List<Throwable> fatal = new CopyOnWriteArrayList<>();
        try (InMemoryNetwork network = InMemoryNetwork.singleThreaded()) {
            LogStore logStore = LogStore.open(dir.resolve("log"), LogStoreOptions.defaults(), fatal::add);
            LogStore.Batch batch = logStore.batch();
            for (long i = 1; i <= 3; i++) { // what the node held before it was removed
                batch.append(7, i, 1, StoredLog.encodeEntry(new Entry(1, i, EntryType.NORMAL, new byte[] {(byte) i})));
            }
            batch.hardState(
                    7,
                    StoredLog.encodeHardState(
                            new io.armada.raft.HardState(1, 0, 3), io.armada.raft.ConfState.ofVoters(1L, 2L, 3L)));
            logStore.write(batch, true);
            // since then: node 1 removed, node 2 removed, node 1 added back as a learner and sent the snapshot at 18
            io.armada.raft.ConfState now = io.armada.raft.ConfState.of(List.of(3L), List.of(1L));
            SnapshotMeta installed = new SnapshotMeta(18, 4, now);
            UnsyncedStateMachine sm =
                    new UnsyncedStateMachine(new UnsyncedStateMachine.Durable(18, List.of(), installed));
            RaftEngine engine = new RaftEngine(
                    1,
                    EngineConfig.defaults().withTickMillis(10),
                    RaftConfig.defaults(),
                    logStore,
                    network.transport(1),
                    fatal::add);
            engine.start();
            engine.openGroup(7, List.of(1L, 2L, 3L), sm)
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join();
            engine.close();
            assertThat(new StoredLog(7, logStore).initialState().confState()).isEqualTo(now);
            assertThat(new StoredLog(7, logStore).initialState().hardState().term())
                    .as("term kept")
                    .isEqualTo(1);
            logStore.close();
        }
        assertThat(fatal).isEmpty();
    }

    @Test
    void aPowerLossRightAfterALocalSnapshotLeavesAGroupThatReopensWithEveryAcknowledgedWrite() {
        EngineConfig config = EngineConfig.defaults().withTickMillis(10).withSnapshots(100, 10);
        List<Throwable> fatal = new CopyOnWriteArrayList<>();
        UnsyncedStateMachine sm =
                new UnsyncedStateMachine(new UnsyncedStateMachine.Durable(0, List.of(), SnapshotMeta.EMPTY));
        List<String> acknowledged = new ArrayList<>();
        try (InMemoryNetwork network = InMemoryNetwork.singleThreaded()) {
            LogStore logStore = LogStore.open(dir.resolve("log"), LogStoreOptions.defaults(), fatal::add);
            RaftEngine engine =
                    new RaftEngine(1, config, RaftConfig.defaults(), logStore, network.transport(1), fatal::add);
            engine.start();
            engine.openGroup(7, List.of(1L), sm).join();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> engine.status(7)
                            .map(s -> s.role() == RaftRole.LEADER)
                            .orElse(false));
            for (int i = 0; i < 250; i++) { // past two snapshots, each compacting the log
                engine.propose(7, ("v" + i).getBytes(StandardCharsets.UTF_8))
                        .orTimeout(30, TimeUnit.SECONDS)
                        .join();
                acknowledged.add("v" + i);
            }
            assertThat(sm.latestSnapshot().index()).isGreaterThanOrEqualTo(200);
            engine.close();
            logStore.close(); // everything it wrote synced is kept (it syncs what acknowledges)
        }
        // the power cut: the state machine keeps only what it synced
        UnsyncedStateMachine restarted = sm.afterPowerLoss();
        try (InMemoryNetwork network = InMemoryNetwork.singleThreaded()) {
            LogStore logStore = LogStore.open(dir.resolve("log"), LogStoreOptions.defaults(), fatal::add);
            RaftEngine engine =
                    new RaftEngine(1, config, RaftConfig.defaults(), logStore, network.transport(1), fatal::add);
            engine.start();
            engine.openGroup(7, List.of(1L), restarted)
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join();
            await().atMost(Duration.ofSeconds(30)).until(() -> restarted.appliedIndex() >= sm.appliedIndex());
            assertThat(restarted.values()).containsExactlyElementsOf(acknowledged);
            engine.close();
            logStore.close();
        }
        assertThat(fatal).isEmpty();
    }
}
