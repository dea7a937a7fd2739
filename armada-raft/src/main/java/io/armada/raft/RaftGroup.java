package io.armada.raft;

import io.armada.raft.core.RaftCore;
import java.util.random.RandomGenerator;

/**
 * One Raft group on one node: a pure, single-threaded state machine in the style of etcd's raft.
 * Inputs are {@link #tick()}, {@link #step(Message)} and client requests; outputs are collected
 * in a {@link Ready}. It owns no threads, clocks, sockets or files, so a simulation can drive a
 * whole cluster from one seed. Not thread-safe: one thread at a time drives a group.
 */
public interface RaftGroup {

    /**
     * Opens a group from what {@code log} persisted. {@code appliedIndex} is the state machine's
     * last applied index (0 for a new one); committed entries after it are handed out again.
     * {@code random} jitters election timeouts; seed it in tests.
     */
    static RaftGroup open(
            long groupId,
            long nodeId,
            RaftConfig config,
            LogReader log,
            SnapshotSource snapshots,
            long appliedIndex,
            RandomGenerator random) {
        return new RaftCore(groupId, nodeId, config, log, snapshots, appliedIndex, random);
    }

    long groupId();

    long nodeId();

    /** Advances logical time by one tick: election and heartbeat timeouts are counted in ticks. */
    void tick();

    /** Handles a message from a peer of this group. Messages with a wrong group or recipient are refused. */
    void step(Message message);

    /** Appends {@code data} as a NORMAL entry if this node is the leader. */
    ProposeResult propose(byte[] data);

    /** Proposes a single-step membership change; one may be pending (unapplied) at a time. */
    ProposeResult proposeConfChange(ConfChange change);

    /**
     * Asks for a linearizable read point; the answer is a {@link ReadState} with {@code requestId}
     * in a later Ready. A follower forwards to the leader; a lost request is never answered, so
     * the caller must time out. Request ids must be unique per node while pending.
     */
    RequestResult readIndex(long requestId);

    /** On the leader, hands leadership to {@code toNodeId} once it is caught up (aborted after an election timeout). */
    RequestResult transferLeadership(long toNodeId);

    /** Starts an election now (tests, or the only voter of a new group); ignored by non-voters. */
    void campaign();

    /** Whether {@link #ready()} has anything to do. */
    boolean hasReady();

    /** Takes the work accumulated so far; call {@link #advance} with it before the next ready(). */
    Ready ready();

    /** Reports that {@code ready} was persisted, sent and applied (see {@link Ready} for the order). */
    void advance(Ready ready);

    RaftStatus status();
}
