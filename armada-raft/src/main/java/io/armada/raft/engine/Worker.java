package io.armada.raft.engine;

import io.armada.raft.Entry;
import io.armada.raft.Message;
import io.armada.raft.MessageCodec;
import io.armada.raft.RaftStatus;
import io.armada.raft.ReadState;
import io.armada.raft.Ready;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.log.LogStore;
import io.armada.raft.transport.Transport;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine thread. It owns a share of the node's groups and runs rounds: take queued events
 * (messages, proposals, reads) and ticks, collect the Ready of every group that has one, send the
 * leaders' appends, persist all of them in ONE log-store write (synced if any needs it), send the
 * other messages, apply their
 * committed entries, advance. Work arriving during a sync waits for the next round, which is
 * what batches proposals of many clients and many groups into one fsync.
 */
final class Worker implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Worker.class);

    private final int id;
    private final EngineConfig config;
    private final LogStore logStore;
    private final Transport transport;
    private final EngineStats stats;
    private final FatalStop fatal;
    private final Map<Long, GroupRuntime> groups = new HashMap<>();
    private final ConcurrentLinkedQueue<Runnable> inbox = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inboxSize = new AtomicInteger();
    private final AtomicBoolean parked = new AtomicBoolean();
    private volatile boolean running = true;
    private volatile Thread thread;
    private long nextTickNanos;

    /** Stops the whole node when durable state can no longer be trusted. */
    interface FatalStop {
        void stop(Throwable cause);
    }

    Worker(int id, EngineConfig config, LogStore logStore, Transport transport, EngineStats stats, FatalStop fatal) {
        this.id = id;
        this.config = config;
        this.logStore = logStore;
        this.transport = transport;
        this.stats = stats;
        this.fatal = fatal;
    }

    void start(String nodeName) {
        Thread t = new Thread(
                () -> {
                    org.slf4j.MDC.put("node", nodeName); // every log line of this thread names its node
                    run();
                },
                "raft-worker-" + nodeName + "-" + id);
        t.setDaemon(true);
        thread = t;
        t.start();
    }

    /** Queues work for this worker's thread; false when the inbox is full (the caller reports overload). */
    boolean submit(Runnable event) {
        if (!running || inboxSize.incrementAndGet() > config.inboxCapacity()) {
            inboxSize.decrementAndGet();
            return false;
        }
        inbox.add(event);
        if (parked.get()) {
            LockSupport.unpark(thread);
        }
        return true;
    }

    /** Runs on the worker thread only. */
    Map<Long, GroupRuntime> groups() {
        return groups;
    }

    void stop() {
        running = false;
        Thread t = thread;
        if (t != null) {
            LockSupport.unpark(t);
            try {
                t.join(10_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public void run() {
        nextTickNanos = System.nanoTime() + config.tickMillis() * 1_000_000;
        try {
            while (running) {
                if (!round()) {
                    park();
                }
            }
        } catch (Throwable t) {
            log.error("raft worker {} failed; stopping the node", id, t);
            fatal.stop(t);
        } finally {
            RaftException stopped = new RaftException(RaftException.Kind.STOPPED, "the raft engine stopped");
            groups.values().forEach(g -> g.failAll(stopped));
            Runnable r;
            while ((r = inbox.poll()) != null) {
                inboxSize.decrementAndGet();
            }
        }
    }

    private void park() {
        parked.set(true);
        if (inbox.isEmpty() && running) {
            long waitNanos = nextTickNanos - System.nanoTime();
            if (waitNanos > 0) {
                LockSupport.parkNanos(this, waitNanos);
            }
        }
        parked.set(false);
    }

    /** One round; false when there was nothing to do. */
    private boolean round() {
        boolean worked = drainInbox();
        long now = System.nanoTime();
        if (now >= nextTickNanos) {
            nextTickNanos = now + config.tickMillis() * 1_000_000;
            for (GroupRuntime g : groups.values()) {
                g.core.tick();
            }
            worked = true;
        }
        List<GroupRuntime> readyGroups = new ArrayList<>();
        List<Ready> readies = new ArrayList<>();
        long roundBytes = 0;
        for (GroupRuntime g : groups.values()) {
            if (roundBytes < config.maxRoundBytes() && g.core.hasReady()) {
                Ready rd = g.core.ready();
                readyGroups.add(g);
                readies.add(rd);
                for (Entry e : rd.entries()) {
                    roundBytes += e.sizeBytes();
                }
            }
        }
        if (readies.isEmpty()) {
            return worked;
        }
        // leaders' appends go out before the fsync, so followers persist in parallel with it
        List<Message> early = new ArrayList<>();
        List<Message> late = new ArrayList<>();
        for (Ready rd : readies) {
            early.addAll(rd.messagesBeforePersist());
            late.addAll(rd.messages());
        }
        send(early);
        persist(readyGroups, readies);
        send(late);
        for (int i = 0; i < readies.size(); i++) {
            applyAndAdvance(readyGroups.get(i), readies.get(i));
        }
        return true;
    }

    private boolean drainInbox() {
        boolean any = false;
        Runnable event;
        // Bounded per round so a flood of events cannot starve persistence.
        for (int n = 0; n < config.inboxCapacity() && (event = inbox.poll()) != null; n++) {
            inboxSize.decrementAndGet();
            event.run();
            any = true;
        }
        return any;
    }

    private void persist(List<GroupRuntime> readyGroups, List<Ready> readies) {
        LogStore.Batch batch = logStore.batch();
        boolean sync = false;
        long entries = 0;
        for (int i = 0; i < readies.size(); i++) {
            GroupRuntime g = readyGroups.get(i);
            Ready rd = readies.get(i);
            for (SnapshotChunk chunk : rd.snapshotChunks()) {
                g.stateMachine.stageSnapshotChunk(chunk);
            }
            if (rd.snapshot() != null) {
                // The state machine makes the snapshot durable first; the log then restarts after it.
                // A crash in between is repaired at open (RaftEngine.openGroup): the log follows the state machine.
                g.stateMachine.installSnapshot(rd.snapshot());
                batch.compact(g.groupId, Long.MAX_VALUE - 1);
                batch.snapshotMeta(g.groupId, StoredLog.encodeSnapshotMeta(rd.snapshot()));
                g.snapshotInstalled(rd.snapshot().index());
            }
            for (Entry e : rd.entries()) {
                batch.append(g.groupId, e.index(), e.term(), StoredLog.encodeEntry(e));
            }
            entries += rd.entries().size();
            if (rd.hardState() != null || rd.confState() != null) {
                if (rd.hardState() != null) {
                    g.hardState = rd.hardState();
                }
                if (rd.confState() != null) {
                    g.confState = rd.confState();
                }
                batch.hardState(g.groupId, StoredLog.encodeHardState(g.hardState, g.confState));
            }
            sync |= rd.mustSync();
        }
        long start = System.nanoTime();
        logStore.write(batch, sync); // a failure is fatal: the handler stops the node and this throws
        if (sync) {
            stats.syncs.increment();
            stats.syncNanos.add(System.nanoTime() - start);
        }
        stats.entriesPersisted.add(entries);
        for (int i = 0; i < readies.size(); i++) {
            if (readies.get(i).snapshot() != null) {
                readyGroups.get(i).log.snapshotPersisted(readies.get(i).snapshot());
            }
        }
    }

    /** Sends a round's messages; the heartbeats of several groups to one peer go as one frame. */
    private void send(List<Message> messages) {
        java.util.Map<Long, List<Message>> heartbeats = new java.util.HashMap<>();
        for (Message m : messages) {
            if (CoalescedHeartbeats.coalescible(m)) {
                heartbeats.computeIfAbsent(m.to(), to -> new ArrayList<>()).add(m);
            } else {
                count(transport.send(m.to(), m.groupId(), MessageCodec.encode(m)), 1);
            }
        }
        for (List<Message> toPeer : heartbeats.values()) {
            Message first = toPeer.getFirst();
            if (toPeer.size() == 1) {
                count(transport.send(first.to(), first.groupId(), MessageCodec.encode(first)), 1);
            } else {
                count(
                        transport.send(first.to(), CoalescedHeartbeats.GROUP_ID, CoalescedHeartbeats.encode(toPeer)),
                        toPeer.size());
                stats.heartbeatsCoalesced.add(toPeer.size());
            }
        }
    }

    private void count(boolean sent, int messages) {
        (sent ? stats.messagesSent : stats.messagesDropped).add(messages);
    }

    private void applyAndAdvance(GroupRuntime g, Ready rd) {
        if (rd.softState() != null) {
            long oldLeader = g.softState.leaderId();
            if (rd.softState().leaderId() != oldLeader) {
                stats.leaderChanges.increment();
                log.debug(
                        "group {}: leader {} -> {}",
                        g.groupId,
                        oldLeader,
                        rd.softState().leaderId());
                g.leaderChanged(rd.softState());
            } else {
                g.softState = rd.softState();
            }
        }
        if (rd.hardState() != null) {
            g.term = rd.hardState().term();
            g.commitIndex = rd.hardState().commit();
        }
        g.applyAll(rd.committedEntries(), stats);
        for (ReadState rs : rd.readStates()) {
            g.readAnswered(rs);
        }
        g.completeReads();
        g.core.advance(rd);
        maybeSnapshot(g);
    }

    /**
     * Takes a state-machine snapshot once enough entries were applied since the last one, then
     * drops the log up to {@code compactionRetainEntries} before it: slow followers within that
     * window still catch up from the log, the rest get the snapshot.
     */
    private void maybeSnapshot(GroupRuntime g) {
        SnapshotMeta latest = g.log.snapshot();
        if (g.appliedIndex - latest.index() < config.snapshotThresholdEntries()) {
            return;
        }
        RaftStatus status = g.core.status();
        if (status.appliedIndex() != g.appliedIndex) {
            throw new IllegalStateException("group " + g.groupId + ": core applied " + status.appliedIndex()
                    + " but the engine applied " + g.appliedIndex);
        }
        SnapshotMeta meta = g.stateMachine.takeSnapshot(
                new SnapshotMeta(g.appliedIndex, g.log.term(g.appliedIndex), status.confState()));
        // the snapshot record below is synced and compacts the log: what it covers must be durable first
        g.stateMachine.syncApplied();
        long compactThrough = meta.index() - config.compactionRetainEntries();
        LogStore.Batch batch = logStore.batch().snapshotMeta(g.groupId, StoredLog.encodeSnapshotMeta(meta));
        if (compactThrough > 0) {
            batch.compact(g.groupId, compactThrough);
        }
        logStore.write(batch, true);
        g.log.snapshotPersisted(meta);
    }
}
