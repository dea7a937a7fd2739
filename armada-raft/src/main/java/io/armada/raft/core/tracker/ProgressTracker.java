package io.armada.raft.core.tracker;

import io.armada.raft.ConfState;
import io.armada.raft.core.quorum.Majority;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The membership of a group and, on a leader, the progress of every member; on a candidate, the
 * votes received. Members are kept sorted so every broadcast is in a deterministic order.
 */
public final class ProgressTracker {
    private final int maxInflightMsgs;
    private final long maxInflightBytes;
    private ConfState conf;
    private final TreeMap<Long, Progress> progress = new TreeMap<>();
    private final Map<Long, Boolean> votes = new HashMap<>();

    public ProgressTracker(ConfState conf, int maxInflightMsgs, long maxInflightBytes) {
        this.conf = conf;
        this.maxInflightMsgs = maxInflightMsgs;
        this.maxInflightBytes = maxInflightBytes;
    }

    public ConfState conf() {
        return conf;
    }

    public boolean isVoter(long id) {
        return conf.voters().contains(id);
    }

    /** True when {@code id} is the only voter: it needs nobody's agreement. */
    public boolean isSingleton(long id) {
        return conf.voters().size() == 1 && conf.voters().contains(id);
    }

    /** Forgets every peer's progress and restarts tracking: everyone probes from {@code lastIndex + 1}. */
    public void resetProgress(long lastIndex, long selfId, long selfMatch) {
        progress.clear();
        for (long id : conf.voters()) {
            progress.put(id, newProgress(id, lastIndex, selfId, selfMatch, false));
        }
        for (long id : conf.learners()) {
            progress.put(id, newProgress(id, lastIndex, selfId, selfMatch, true));
        }
    }

    private Progress newProgress(long id, long lastIndex, long selfId, long selfMatch, boolean learner) {
        Progress p = new Progress(0, lastIndex + 1, learner, new Inflights(maxInflightMsgs, maxInflightBytes));
        if (id == selfId) {
            p.maybeUpdate(selfMatch);
            p.becomeReplicate();
            p.setRecentActive(true);
        }
        return p;
    }

    /**
     * Switches to {@code next}. Existing peers keep their progress; new ones start probing and
     * count as recently active, so check-quorum does not punish the leader for adding them.
     */
    public void setConf(ConfState next, long lastIndex, long selfId, boolean leader) {
        this.conf = next;
        if (!leader) {
            progress.clear();
            return;
        }
        progress.keySet().removeIf(id -> !next.isMember(id));
        for (long id : next.voters()) {
            Progress p = progress.get(id);
            if (p == null) {
                p = newProgress(id, lastIndex, selfId, 0, false);
                p.setRecentActive(true);
                progress.put(id, p);
            }
            p.setLearner(false);
        }
        for (long id : next.learners()) {
            Progress p = progress.get(id);
            if (p == null) {
                p = newProgress(id, lastIndex, selfId, 0, true);
                p.setRecentActive(true);
                progress.put(id, p);
            }
            p.setLearner(true);
        }
    }

    public Progress get(long id) {
        return progress.get(id);
    }

    /** Every member's progress, sorted by node id (empty unless leader). */
    public SortedMap<Long, Progress> all() {
        return Collections.unmodifiableSortedMap(progress);
    }

    /** The largest index a majority of voters has persisted. */
    public long committed() {
        return Majority.committedIndex(conf.voters(), id -> {
            Progress p = progress.get(id);
            return p == null ? 0 : p.match();
        });
    }

    /** Whether a majority of voters (counting the leader) was heard from since the last check. */
    public boolean quorumActive(long selfId) {
        int active = 0;
        for (long id : conf.voters()) {
            Progress p = progress.get(id);
            if (id == selfId || (p != null && p.recentActive())) {
                active++;
            }
        }
        return active >= Majority.quorum(conf.voters().size());
    }

    /** Marks every peer inactive until it responds again (start of a check-quorum period). */
    public void clearRecentActive(long selfId) {
        progress.forEach((id, p) -> p.setRecentActive(id == selfId));
    }

    /** The highest ReadIndex round echoed by a majority of voters; the leader has echoed {@code selfRound}. */
    public long confirmedReadRound(long selfId, long selfRound) {
        return Majority.committedIndex(conf.voters(), id -> {
            if (id == selfId) {
                return selfRound;
            }
            Progress p = progress.get(id);
            return p == null ? 0 : p.readRoundAcked();
        });
    }

    public void resetVotes() {
        votes.clear();
    }

    public void recordVote(long id, boolean granted) {
        votes.putIfAbsent(id, granted);
    }

    public Majority.VoteResult tally() {
        return Majority.voteResult(conf.voters(), votes);
    }
}
