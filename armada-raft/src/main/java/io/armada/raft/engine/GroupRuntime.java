package io.armada.raft.engine;

import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.HardState;
import io.armada.raft.RaftGroup;
import io.armada.raft.RaftRole;
import io.armada.raft.ReadState;
import io.armada.raft.SoftState;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * One group on one node as the engine drives it: the pure core, its stored log, its state
 * machine, and the callers waiting for proposals and reads. Touched only by its worker thread.
 */
final class GroupRuntime {
    final long groupId;
    final RaftGroup core;
    final StoredLog log;
    final GroupStateMachine stateMachine;
    /** Proposals appended but not yet applied, by index. */
    final TreeMap<Long, PendingProposal> proposals = new TreeMap<>();
    /** ReadIndex requests sent to the core, by request id. */
    final Map<Long, CompletableFuture<Long>> readsAsked = new HashMap<>();
    /** Reads whose read index is known, waiting for apply to reach it. */
    final PriorityQueue<PendingRead> readsWaiting = new PriorityQueue<>((a, b) -> Long.compare(a.index, b.index));

    HardState hardState;
    ConfState confState;
    long appliedIndex;
    volatile SoftState softState = new SoftState(RaftRole.FOLLOWER, 0);
    volatile long commitIndex;
    volatile long term;

    GroupRuntime(
            long groupId,
            RaftGroup core,
            StoredLog log,
            GroupStateMachine stateMachine,
            HardState hardState,
            ConfState confState) {
        this.groupId = groupId;
        this.core = core;
        this.log = log;
        this.stateMachine = stateMachine;
        this.hardState = hardState;
        this.confState = confState;
        this.appliedIndex = stateMachine.appliedIndex();
        this.term = hardState.term();
        this.commitIndex = hardState.commit();
    }

    record PendingProposal(long term, CompletableFuture<AppliedProposal> future) {}

    record PendingRead(long index, CompletableFuture<Long> future) {}

    /** Applies a Ready's committed entries (a replayed prefix is skipped) and decides their proposals. */
    void applyAll(List<Entry> committed, EngineStats stats) {
        int from = 0;
        while (from < committed.size() && committed.get(from).index() <= appliedIndex) {
            from++; // replay of entries the state machine already holds
        }
        if (from == committed.size()) {
            return;
        }
        List<Entry> fresh = committed.subList(from, committed.size());
        for (int i = 0; i < fresh.size(); i++) {
            if (fresh.get(i).index() != appliedIndex + 1 + i) {
                throw new IllegalStateException(
                        "group " + groupId + ": applying " + fresh.get(i).index() + " after " + (appliedIndex + i));
            }
        }
        List<Object> results = stateMachine.applyAll(fresh, this::awaited);
        if (results.size() != fresh.size()) {
            throw new IllegalStateException(
                    "group " + groupId + ": " + results.size() + " results for " + fresh.size() + " entries");
        }
        for (int i = 0; i < fresh.size(); i++) {
            decide(fresh.get(i), results.get(i));
        }
        stats.entriesApplied.add(fresh.size());
    }

    /** Whether a proposal of this node waits for {@code entry}'s result (the same index, in the same term). */
    private boolean awaited(Entry entry) {
        PendingProposal p = proposals.get(entry.index());
        return p != null && p.term() == entry.term() && entry.type() == EntryType.NORMAL;
    }

    private void decide(Entry entry, Object result) {
        appliedIndex = entry.index();
        // Every pending proposal at or below this index is decided now.
        Iterator<Map.Entry<Long, PendingProposal>> it =
                proposals.headMap(entry.index(), true).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<Long, PendingProposal> p = it.next();
            it.remove();
            if (p.getKey() == entry.index()
                    && p.getValue().term() == entry.term()
                    && entry.type() == EntryType.NORMAL) {
                p.getValue().future().complete(new AppliedProposal(entry.index(), entry.term(), result));
            } else {
                p.getValue()
                        .future()
                        .completeExceptionally(new RaftException(
                                RaftException.Kind.OUTCOME_UNKNOWN,
                                "group " + groupId + ": entry " + p.getKey() + " was replaced by a new leader",
                                softState.leaderId()));
            }
        }
    }

    /** Completes reads whose index has been applied. */
    void completeReads() {
        while (!readsWaiting.isEmpty() && readsWaiting.peek().index <= appliedIndex) {
            readsWaiting.poll().future.complete(appliedIndex);
        }
    }

    void readAnswered(ReadState state) {
        CompletableFuture<Long> future = readsAsked.remove(state.requestId());
        if (future != null) {
            readsWaiting.add(new PendingRead(state.index(), future));
        }
    }

    /** A snapshot replaced the state: proposals it covers may or may not be in it. */
    void snapshotInstalled(long index) {
        appliedIndex = index;
        Iterator<Map.Entry<Long, PendingProposal>> it =
                proposals.headMap(index, true).entrySet().iterator();
        while (it.hasNext()) {
            it.next()
                    .getValue()
                    .future()
                    .completeExceptionally(new RaftException(
                            RaftException.Kind.OUTCOME_UNKNOWN,
                            "group " + groupId + ": a snapshot replaced the log before the entry was applied here"));
            it.remove();
        }
    }

    /** Leadership moved: reads asked of the old leader will not be answered. */
    void leaderChanged(SoftState now) {
        softState = now;
        stateMachine.leaderChanged(now.leaderId());
        for (CompletableFuture<Long> f : readsAsked.values()) {
            f.completeExceptionally(new RaftException(
                    RaftException.Kind.NOT_LEADER,
                    "group " + groupId + ": leadership changed during a read",
                    now.leaderId()));
        }
        readsAsked.clear();
    }

    void failAll(RaftException cause) {
        proposals.values().forEach(p -> p.future().completeExceptionally(cause));
        proposals.clear();
        readsAsked.values().forEach(f -> f.completeExceptionally(cause));
        readsAsked.clear();
        readsWaiting.forEach(r -> r.future.completeExceptionally(cause));
        readsWaiting.clear();
    }
}
