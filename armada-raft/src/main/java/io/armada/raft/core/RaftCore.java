package io.armada.raft.core;

import io.armada.raft.ConfChange;
import io.armada.raft.LogReader;
import io.armada.raft.Message;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftGroup;
import io.armada.raft.RaftStatus;
import io.armada.raft.Ready;
import io.armada.raft.RequestResult;
import io.armada.raft.SnapshotSource;
import java.util.random.RandomGenerator;

/** The role logic of one Raft group (work in progress: the API compiles, the logic follows). */
public final class RaftCore implements RaftGroup {
    private final long groupId;
    private final long nodeId;

    public RaftCore(long groupId, long nodeId, RaftConfig config, LogReader log, SnapshotSource snapshots,
            long appliedIndex, RandomGenerator random) {
        this.groupId = groupId;
        this.nodeId = nodeId;
    }

    @Override public long groupId() { return groupId; }
    @Override public long nodeId() { return nodeId; }
    @Override public void tick() { throw new UnsupportedOperationException("not yet"); }
    @Override public void step(Message message) { throw new UnsupportedOperationException("not yet"); }
    @Override public ProposeResult propose(byte[] data) { throw new UnsupportedOperationException("not yet"); }
    @Override public ProposeResult proposeConfChange(ConfChange change) { throw new UnsupportedOperationException("not yet"); }
    @Override public RequestResult readIndex(long requestId) { throw new UnsupportedOperationException("not yet"); }
    @Override public RequestResult transferLeadership(long toNodeId) { throw new UnsupportedOperationException("not yet"); }
    @Override public void campaign() { throw new UnsupportedOperationException("not yet"); }
    @Override public boolean hasReady() { throw new UnsupportedOperationException("not yet"); }
    @Override public Ready ready() { throw new UnsupportedOperationException("not yet"); }
    @Override public void advance(Ready ready) { throw new UnsupportedOperationException("not yet"); }
    @Override public RaftStatus status() { throw new UnsupportedOperationException("not yet"); }
}
