package io.armada.raft.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A leader's ReadIndex requests. Each waits for a heartbeat round started after it arrived to be
 * echoed by a quorum, which proves nobody else was leader when the read arrived. One round serves
 * every read registered while its heartbeats are still unsent, so a burst of reads costs one
 * round. Reads that arrive before the leader committed an entry of its term wait for that first.
 */
final class ReadIndexQueue {
    /** A read: who asked ({@code from}, this node for local reads), its id, the read index, its round. */
    record PendingRead(long from, long requestId, long index, long round) {}

    private final int maxPending;
    private final ArrayDeque<PendingRead> waitingForCommit = new ArrayDeque<>();
    private final ArrayDeque<PendingRead> pending = new ArrayDeque<>();
    private long round;
    /** The heartbeats of {@code round} are still in the outgoing buffer: new reads may join it. */
    private boolean roundOpen;

    ReadIndexQueue(int maxPending) {
        this.maxPending = maxPending;
    }

    boolean full() {
        return waitingForCommit.size() + pending.size() >= maxPending;
    }

    long round() {
        return round;
    }

    void waitForCommit(long from, long requestId) {
        checkRoom();
        waitingForCommit.add(new PendingRead(from, requestId, 0, 0));
    }

    List<PendingRead> drainWaitingForCommit() {
        List<PendingRead> out = new ArrayList<>(waitingForCommit);
        waitingForCommit.clear();
        return out;
    }

    /** Registers a read at {@code index}; returns true if a new round must be broadcast. */
    boolean register(long from, long requestId, long index) {
        checkRoom();
        boolean newRound = !roundOpen;
        if (newRound) {
            round++;
            roundOpen = true;
        }
        pending.add(new PendingRead(from, requestId, index, round));
        return newRound;
    }

    /** The outgoing messages were handed out: a later read needs a later round. */
    void closeRound() {
        roundOpen = false;
    }

    /** Reads whose round a quorum has echoed, in arrival order. */
    List<PendingRead> confirmed(long confirmedRound) {
        List<PendingRead> out = new ArrayList<>();
        while (!pending.isEmpty() && pending.peekFirst().round() <= confirmedRound) {
            out.add(pending.pollFirst());
        }
        return out;
    }

    private void checkRoom() {
        if (full()) {
            throw new IllegalStateException("read queue over its limit of " + maxPending);
        }
    }
}
