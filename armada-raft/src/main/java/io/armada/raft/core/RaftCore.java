package io.armada.raft.core;

import io.armada.raft.ConfChange;
import io.armada.raft.ConfState;
import io.armada.raft.Entry;
import io.armada.raft.EntryType;
import io.armada.raft.HardState;
import io.armada.raft.LogReader;
import io.armada.raft.Message;
import io.armada.raft.MessageType;
import io.armada.raft.ProposeResult;
import io.armada.raft.RaftConfig;
import io.armada.raft.RaftGroup;
import io.armada.raft.RaftRole;
import io.armada.raft.RaftStatus;
import io.armada.raft.ReadState;
import io.armada.raft.Ready;
import io.armada.raft.RejectReason;
import io.armada.raft.Rejection;
import io.armada.raft.RequestResult;
import io.armada.raft.SnapshotChunk;
import io.armada.raft.SnapshotMeta;
import io.armada.raft.SnapshotSource;
import io.armada.raft.SoftState;
import io.armada.raft.core.quorum.Majority;
import io.armada.raft.core.tracker.Progress;
import io.armada.raft.core.tracker.ProgressState;
import io.armada.raft.core.tracker.ProgressTracker;
import io.armada.raft.core.tracker.SnapshotTransfer;
import io.armada.raft.util.RateLimitedWarning;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The role logic of one Raft group: elections (pre-vote, check-quorum), replication with
 * per-peer flow control, chunked snapshots, ReadIndex, leadership transfer and single-step
 * membership change. Modelled on etcd's raft.go; see {@link RaftGroup} for the contract.
 */
public final class RaftCore implements RaftGroup {
    private static final Logger logger = LoggerFactory.getLogger(RaftCore.class);
    private static final long NONE = 0;
    /** Node-wide: a peer of another cluster sends to every group, and one line per interval says enough. */
    private static final RateLimitedWarning impossibleMessages = new RateLimitedWarning();

    private final long groupId;
    private final long id;
    private final RaftConfig config;
    private final RandomGenerator random;
    private final SnapshotSource snapshots;
    private final RaftLog log;
    private final ProgressTracker tracker;

    private RaftRole role = RaftRole.FOLLOWER;
    private long term;
    private long vote;
    private long lead;
    private long leadTransferee;
    /** Ticks since the last election timeout reset (follower/candidate) or check-quorum (leader). */
    private int electionElapsed;

    private int heartbeatElapsed;
    private int randomizedElectionTimeout;
    /** Index of the latest conf change a leader appended; another waits until it is applied. */
    private long pendingConfIndex;
    /**
     * A leader's log holds an unapplied change that removes or demotes it: it takes no more
     * proposals, so the voters that remain are never behind it (else none could win an election).
     */
    private boolean leaving;
    /** The membership in {@link #tracker} includes every conf change up to this index. */
    private long confIndex;
    /** Membership as of the applied index (the tracker's may run ahead after a snapshot arrived). */
    private ConfState appliedConf;

    private long uncommittedBytes;
    private ReadIndexQueue reads;

    /** Follower side of a snapshot transfer: the snapshot being received and the next byte expected. */
    private SnapshotMeta incomingSnapshot;

    private long incomingOffset;
    /** Term and highest pass of the incoming transfer; a chunk of an older pass never restarts it. */
    private long incomingTerm;

    private long incomingPass;
    /** Leader side: number of the last snapshot pass started; passes only grow, across terms too. */
    private long lastSnapshotPass;

    private final List<Message> msgs = new ArrayList<>();
    private final List<ReadState> readStates = new ArrayList<>();
    private final List<SnapshotChunk> chunksToStage = new ArrayList<>();
    private SoftState prevSoftState;
    private HardState prevHardState;
    private ConfState handedOutConf;
    private Ready inflightReady;

    public RaftCore(
            long groupId,
            long nodeId,
            RaftConfig config,
            LogReader storage,
            SnapshotSource snapshots,
            long appliedIndex,
            RandomGenerator random) {
        if (nodeId <= 0) {
            throw new IllegalArgumentException("nodeId must be positive: " + nodeId);
        }
        this.groupId = groupId;
        this.id = nodeId;
        this.config = Objects.requireNonNull(config, "config");
        this.snapshots = Objects.requireNonNull(snapshots, "snapshots");
        this.random = Objects.requireNonNull(random, "random");
        LogReader.InitialState initial = storage.initialState();
        HardState hs = initial.hardState();
        this.log = new RaftLog(storage, hs.commit(), appliedIndex);
        if (storage.snapshot().index() > log.applied()) {
            throw new IllegalStateException("snapshot " + storage.snapshot().index() + " is ahead of the applied index "
                    + log.applied() + ": the state machine was not restored from it");
        }
        // The persisted membership is never behind the applied index (it is persisted before the
        // entries that change it are applied) but may be ahead after a crash; re-applying those
        // committed changes is harmless because each change sets a node's role.
        this.appliedConf = initial.confState();
        this.confIndex = log.applied();
        this.tracker = new ProgressTracker(appliedConf, config.maxInflightMsgs(), config.maxInflightBytes());
        this.term = hs.term();
        this.vote = hs.vote();
        this.reads = new ReadIndexQueue(config.maxPendingReads());
        becomeFollower(term, NONE);
        this.prevSoftState = softState();
        this.prevHardState = hs;
        this.handedOutConf = appliedConf;
    }

    @Override
    public long groupId() {
        return groupId;
    }

    @Override
    public long nodeId() {
        return id;
    }

    // ---------------------------------------------------------------- time

    @Override
    public void tick() {
        if (role == RaftRole.LEADER) {
            tickLeader();
        } else {
            tickElection();
        }
    }

    private void tickElection() {
        electionElapsed++;
        if (promotable() && electionElapsed >= randomizedElectionTimeout) {
            electionElapsed = 0;
            hup(config.preVote() ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
        }
    }

    private void tickLeader() {
        heartbeatElapsed++;
        electionElapsed++;
        if (electionElapsed >= config.electionTicks()) {
            electionElapsed = 0;
            if (config.checkQuorum()) {
                if (!tracker.quorumActive(id)) {
                    becomeFollower(term, NONE); // cannot reach a quorum: stop serving as leader
                    return;
                }
                tracker.clearRecentActive(id);
            }
            if (leadTransferee != NONE) {
                leadTransferee = NONE; // the transfer did not finish within an election timeout
            }
        }
        for (Map.Entry<Long, Progress> e : tracker.all().entrySet()) {
            Progress pr = e.getValue();
            if (pr.state() == ProgressState.SNAPSHOT && pr.snapshot().tickIdle(config.electionTicks())) {
                pr.snapshot().rewindTo(pr.snapshot().ackedOffset(), ++lastSnapshotPass); // go-back-N after silence
                sendSnapshotChunks(e.getKey(), pr);
            }
        }
        if (heartbeatElapsed >= config.heartbeatTicks()) {
            heartbeatElapsed = 0;
            bcastHeartbeat();
        }
    }

    // ---------------------------------------------------------------- role changes

    private enum CampaignType {
        PRE_ELECTION,
        ELECTION,
        TRANSFER
    }

    private void reset(long newTerm) {
        if (term != newTerm) {
            term = newTerm;
            vote = NONE;
        }
        lead = NONE;
        electionElapsed = 0;
        heartbeatElapsed = 0;
        randomizedElectionTimeout = config.electionTicks() + random.nextInt(config.electionTicks());
        leadTransferee = NONE;
        tracker.resetVotes();
        tracker.resetProgress(log.lastIndex(), id, log.lastStableIndex());
        pendingConfIndex = 0;
        leaving = false;
        uncommittedBytes = 0;
        reads = new ReadIndexQueue(config.maxPendingReads());
    }

    private void becomeFollower(long newTerm, long leader) {
        reset(newTerm);
        role = RaftRole.FOLLOWER;
        lead = leader;
    }

    private void becomePreCandidate() {
        if (role == RaftRole.LEADER) {
            throw new IllegalStateException("leader cannot become pre-candidate");
        }
        // a pre-candidate keeps its term and vote: it only asks whether it could win
        tracker.resetVotes();
        role = RaftRole.PRE_CANDIDATE;
        lead = NONE;
    }

    private void becomeCandidate() {
        if (role == RaftRole.LEADER) {
            throw new IllegalStateException("leader cannot become candidate");
        }
        reset(term + 1);
        vote = id;
        role = RaftRole.CANDIDATE;
    }

    private void becomeLeader() {
        if (role == RaftRole.FOLLOWER) {
            throw new IllegalStateException("follower cannot become leader without an election");
        }
        reset(term);
        role = RaftRole.LEADER;
        lead = id;
        // no conf change until everything before this term is applied: this also makes the leader
        // commit an entry of its own term first (the single-server change fix from the Raft thesis)
        pendingConfIndex = log.lastIndex();
        leaving = !confAfterLog().voters().contains(id);
        appendEntries(List.of(new Entry(term, log.lastIndex() + 1, EntryType.NOOP, null)));
        bcastAppend();
    }

    /** The membership once every conf change in the log, applied or not, takes effect. */
    private ConfState confAfterLog() {
        ConfState conf = tracker.conf();
        long lo = Math.max(confIndex + 1, log.firstIndex());
        long hi = log.lastIndex() + 1;
        while (lo < hi) {
            List<Entry> page = log.slice(lo, hi, config.maxSizePerMsgBytes());
            for (Entry e : page) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    conf = conf.apply(ConfChange.decode(e.data()));
                }
            }
            lo += page.size();
        }
        return conf;
    }

    private boolean promotable() {
        return tracker.isVoter(id);
    }

    private void hup(CampaignType type) {
        if (role == RaftRole.LEADER || !promotable()) {
            return;
        }
        if (hasUnappliedConfChanges()) {
            return; // our membership may be stale until they are applied
        }
        campaign(type);
    }

    private boolean hasUnappliedConfChanges() {
        long lo = Math.max(log.applied() + 1, log.firstIndex());
        long hi = log.committed() + 1;
        while (lo < hi) {
            List<Entry> page = log.slice(lo, hi, config.maxSizePerMsgBytes());
            for (Entry e : page) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    return true;
                }
            }
            lo += page.size();
        }
        return false;
    }

    private void campaign(CampaignType type) {
        MessageType voteType;
        long voteTerm;
        if (type == CampaignType.PRE_ELECTION) {
            becomePreCandidate();
            voteType = MessageType.PRE_VOTE;
            voteTerm = term + 1; // the term we would run at; ours does not change yet
        } else {
            becomeCandidate();
            voteType = MessageType.VOTE;
            voteTerm = term;
        }
        tracker.recordVote(id, true);
        if (tracker.tally() == Majority.VoteResult.WON) {
            // the only voter: no one to ask
            if (type == CampaignType.PRE_ELECTION) {
                campaign(CampaignType.ELECTION);
            } else {
                becomeLeader();
            }
            return;
        }
        long lastIndex = log.lastIndex();
        long lastTerm = log.lastTerm();
        for (long voter : tracker.conf().voters()) {
            if (voter == id) {
                continue;
            }
            send(Message.of(voteType, groupId, id, voter, voteTerm)
                    .withLog(lastTerm, lastIndex)
                    .withContext(type == CampaignType.TRANSFER ? Message.CAMPAIGN_TRANSFER : 0));
        }
    }

    @Override
    public void campaign() {
        hup(config.preVote() ? CampaignType.PRE_ELECTION : CampaignType.ELECTION);
    }

    // ---------------------------------------------------------------- messages in

    @Override
    public void step(Message m) {
        if (m.groupId() != groupId || m.to() != id) {
            throw new IllegalArgumentException("message for group " + m.groupId() + " node " + m.to()
                    + " stepped into group " + groupId + " node " + id);
        }
        if (m.from() <= 0 || m.from() == id) {
            throw new IllegalArgumentException("message from invalid sender " + m.from() + ": " + m);
        }
        if (Message.carriesSnapshot(m.type()) != (m.snapshot() != null)) {
            throw new IllegalArgumentException("snapshot chunk missing or misplaced: " + m);
        }
        String impossible = impossibleFromACorrectPeer(m);
        if (impossible != null) {
            long suppressed = impossibleMessages.tryAcquire();
            if (suppressed >= 0) {
                logger.warn(
                        "group {} node {}: dropping {} from node {} in term {}: {} ({} more dropped since the last "
                                + "warning)",
                        groupId,
                        id,
                        m.type(),
                        m.from(),
                        m.term(),
                        impossible,
                        suppressed);
            }
            return;
        }
        if (m.term() > term) {
            if (m.type() == MessageType.VOTE || m.type() == MessageType.PRE_VOTE) {
                boolean force = m.context() == Message.CAMPAIGN_TRANSFER;
                boolean inLease = config.checkQuorum() && lead != NONE && electionElapsed < config.electionTicks();
                if (!force && inLease) {
                    // we heard from a leader within the minimum election timeout: do not let
                    // this candidate raise our term or take our vote (it would disrupt a healthy leader)
                    return;
                }
            }
            if (m.type() == MessageType.PRE_VOTE) {
                // a pre-vote never changes our term
            } else if (m.type() == MessageType.PRE_VOTE_RESPONSE && !m.reject()) {
                // granted pre-votes carry the term we would run at; we raise it once we win
            } else if (m.type() == MessageType.APPEND
                    || m.type() == MessageType.HEARTBEAT
                    || m.type() == MessageType.SNAPSHOT) {
                becomeFollower(m.term(), m.from());
            } else {
                becomeFollower(m.term(), NONE);
            }
        } else if (m.term() < term) {
            if ((config.checkQuorum() || config.preVote())
                    && (m.type() == MessageType.HEARTBEAT || m.type() == MessageType.APPEND)) {
                // a stale leader: tell it our term so it steps down (with check-quorum or pre-vote
                // it may otherwise never learn, since our votes do not reach it)
                send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term));
            } else if (m.type() == MessageType.PRE_VOTE) {
                send(Message.of(MessageType.PRE_VOTE_RESPONSE, groupId, id, m.from(), term)
                        .withReject(0));
            } else if (m.type() == MessageType.VOTE) {
                // the paper's rule (etcd ignores these): a stale candidate must learn our term, or
                // when we are the only voter it can reach it campaigns at its old term forever
                // (simulation seed 200005: a lagging voter raised by a removed node's campaigns)
                send(Message.of(MessageType.VOTE_RESPONSE, groupId, id, m.from(), term)
                        .withReject(0));
            }
            return;
        }

        switch (m.type()) {
            case VOTE, PRE_VOTE -> handleVoteRequest(m);
            default -> {
                switch (role) {
                    case LEADER -> stepLeader(m);
                    case CANDIDATE, PRE_CANDIDATE -> stepCandidate(m);
                    case FOLLOWER -> stepFollower(m);
                }
            }
        }
    }

    /**
     * Why {@code m} cannot have come from a correct member of this group (a node of another
     * cluster, a corrupted or lost log), or null. Checked before the message changes any state:
     * acting on it would break an invariant of ours and stop the node, while dropping it is safe -
     * Raft tolerates lost messages. Our own invariants still fail loudly.
     */
    private String impossibleFromACorrectPeer(Message m) {
        switch (m.type()) {
            case APPEND -> {
                String malformed = malformedEntries(m);
                if (malformed != null) {
                    return malformed;
                }
            }
            // a leader sends min(match, commit): never beyond what we acknowledged holding
            case HEARTBEAT -> {
                if (m.commit() > log.lastIndex()) {
                    return "heartbeat commits index " + m.commit() + " beyond our last index " + log.lastIndex();
                }
            }
            case SNAPSHOT -> {
                if (m.snapshot().meta().term() > m.term()) {
                    return "snapshot of term " + m.snapshot().meta().term() + " sent in earlier term " + m.term();
                }
            }
            // within our term our log only grows, and a follower only acknowledges what we sent
            case APPEND_RESPONSE -> {
                if (role == RaftRole.LEADER && m.term() == term && !m.reject() && m.index() > log.lastIndex()) {
                    return "acknowledges index " + m.index() + " beyond our last index " + log.lastIndex();
                }
            }
            default -> {}
        }
        boolean fromALeader =
                m.type() == MessageType.APPEND || m.type() == MessageType.HEARTBEAT || m.type() == MessageType.SNAPSHOT;
        if (fromALeader && role == RaftRole.LEADER && m.term() == term) {
            return "two leaders in term " + term + ": we lead it";
        }
        return null;
    }

    private void handleVoteRequest(Message m) {
        boolean canVote = vote == m.from()
                || (vote == NONE && lead == NONE)
                || (m.type() == MessageType.PRE_VOTE && m.term() > term);
        MessageType respType = m.type() == MessageType.VOTE ? MessageType.VOTE_RESPONSE : MessageType.PRE_VOTE_RESPONSE;
        // Any node answers, learners included: a learner may have been promoted without knowing
        // yet, and only the candidate's configuration decides whose vote counts.
        if (canVote && log.isUpToDate(m.index(), m.logTerm())) {
            // answer with the request's term: a pre-vote's term is ahead of ours, and the
            // candidate ignores responses of older terms
            send(Message.of(respType, groupId, id, m.from(), m.term()));
            if (m.type() == MessageType.VOTE) {
                electionElapsed = 0;
                vote = m.from();
            }
        } else {
            send(Message.of(respType, groupId, id, m.from(), term).withReject(0));
        }
    }

    private void stepFollower(Message m) {
        switch (m.type()) {
            case APPEND -> {
                electionElapsed = 0;
                lead = m.from();
                handleAppend(m);
            }
            case HEARTBEAT -> {
                electionElapsed = 0;
                lead = m.from();
                handleHeartbeat(m);
            }
            case SNAPSHOT -> {
                electionElapsed = 0;
                lead = m.from();
                handleSnapshotChunk(m);
            }
            case TIMEOUT_NOW -> {
                // our leader asks us to take over: campaign at once, skipping pre-vote and leases
                if (promotable() && !hasUnappliedConfChanges()) {
                    campaign(CampaignType.TRANSFER);
                }
            }
            case READ_INDEX_RESPONSE -> readStates.add(new ReadState(m.context(), m.index()));
            default -> {} // responses meant for a leader or candidate we no longer are
        }
    }

    private void stepCandidate(Message m) {
        MessageType myVoteResp =
                role == RaftRole.PRE_CANDIDATE ? MessageType.PRE_VOTE_RESPONSE : MessageType.VOTE_RESPONSE;
        switch (m.type()) {
            case APPEND -> {
                becomeFollower(m.term(), m.from()); // a leader exists in our term
                handleAppend(m);
            }
            case HEARTBEAT -> {
                becomeFollower(m.term(), m.from());
                handleHeartbeat(m);
            }
            case SNAPSHOT -> {
                becomeFollower(m.term(), m.from());
                handleSnapshotChunk(m);
            }
            case PRE_VOTE_RESPONSE, VOTE_RESPONSE -> {
                if (m.type() != myVoteResp) {
                    return;
                }
                tracker.recordVote(m.from(), !m.reject());
                switch (tracker.tally()) {
                    case WON -> {
                        if (role == RaftRole.PRE_CANDIDATE) {
                            campaign(CampaignType.ELECTION);
                        } else {
                            becomeLeader();
                        }
                    }
                    case LOST -> becomeFollower(term, NONE);
                    case PENDING -> {}
                }
            }
            default -> {}
        }
    }

    private void stepLeader(Message m) {
        if (m.type() == MessageType.READ_INDEX) {
            if (!reads.full()) {
                handleReadRequest(m.from(), m.context());
            } // else dropped: the follower's caller times out
            return;
        }
        Progress pr = tracker.get(m.from());
        if (pr == null) {
            return; // not (or no longer) a member
        }
        switch (m.type()) {
            case APPEND_RESPONSE -> handleAppendResponse(m, pr);
            case HEARTBEAT_RESPONSE -> {
                pr.setRecentActive(true);
                pr.resumeFlow();
                if (pr.match() < log.lastIndex() || pr.state() == ProgressState.PROBE) {
                    sendAppend(m.from());
                }
                if (m.context() > 0) {
                    pr.ackReadRound(m.context());
                    releaseConfirmedReads();
                }
            }
            case SNAPSHOT_RESPONSE -> handleSnapshotResponse(m, pr);
            default -> {}
        }
    }

    private void handleAppendResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        if (m.reject()) {
            long nextProbe = m.rejectHint();
            if (m.logTerm() > 0) {
                // skip every index where our term is above the follower's: a probe there must fail
                nextProbe = log.findConflictByTerm(m.rejectHint(), m.logTerm())[0];
            }
            if (pr.maybeDecrTo(m.index(), nextProbe)) {
                if (pr.state() == ProgressState.REPLICATE) {
                    pr.becomeProbe();
                }
                sendAppend(m.from());
            }
            return;
        }
        boolean updated = pr.maybeUpdate(m.index());
        if (!updated && !(pr.match() == m.index() && pr.state() == ProgressState.PROBE)) {
            return;
        }
        switch (pr.state()) {
            case PROBE -> pr.becomeReplicate();
            case SNAPSHOT -> {
                if (pr.match() + 1 >= log.firstIndex()) {
                    // the follower installed a snapshot (ours or another): replicate from the log again
                    pr.becomeProbe();
                    pr.becomeReplicate();
                }
            }
            case REPLICATE -> pr.inflights().freeLE(m.index());
        }
        if (maybeCommit()) {
            onCommitAdvanced();
        } else if (pr.canBumpCommit(log.committed())) {
            sendAppend(m.from()); // the follower may not know the commit index yet
        }
        while (maybeSendAppend(m.from(), false)) {
            // the window may have room for several messages now
        }
        if (m.from() == leadTransferee && pr.match() == log.lastIndex()) {
            sendTimeoutNow(m.from());
        }
    }

    private void handleSnapshotResponse(Message m, Progress pr) {
        pr.setRecentActive(true);
        SnapshotTransfer t = pr.snapshot();
        if (pr.state() != ProgressState.SNAPSHOT
                || !t.meta().equals(m.snapshot().meta())
                || !t.owns(m.index())) {
            return; // about a transfer we no longer run (the follower may have dropped what it acknowledged)
        }
        if (m.reject()) {
            pr.becomeProbe();
            pr.pauseFlow(); // wait for the next heartbeat response before probing again
            return;
        }
        long offset = m.snapshot().offset();
        if (m.context() == Message.SNAPSHOT_GAP && m.index() == t.pass() && offset < t.sentOffset()) {
            t.rewindTo(offset, ++lastSnapshotPass); // a chunk was lost: go back to the first byte the follower misses
        } else {
            t.acked(offset);
        }
        sendSnapshotChunks(m.from(), pr);
    }

    private void handleAppend(Message m) {
        if (m.index() < log.committed()) {
            // everything up to our commit index is already in the leader's log
            send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term)
                    .withLog(0, log.committed()));
            return;
        }
        long lastNew = log.maybeAppend(m.index(), m.logTerm(), m.commit(), m.entries());
        if (lastNew >= 0) {
            send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term)
                    .withLog(0, lastNew));
            return;
        }
        // Our log does not match at m.index: hint the largest (index, term) with a term at most
        // m.logTerm, which skips our whole divergent tail of higher terms in one round trip.
        long[] hint = log.findConflictByTerm(Math.min(m.index(), log.lastIndex()), m.logTerm());
        send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term)
                .withLog(hint[1], m.index())
                .withReject(hint[0]));
    }

    /** Why the entries of an APPEND cannot follow each other or the leader's term, or null. */
    private static String malformedEntries(Message m) {
        if (m.logTerm() > m.term()) {
            return "previous entry of term " + m.logTerm() + " is ahead of the leader's term " + m.term();
        }
        long prevTerm = m.logTerm();
        long expected = m.index() + 1;
        for (Entry e : m.entries()) {
            if (e.index() != expected || e.term() < prevTerm || e.term() > m.term()) {
                return "malformed entries: entry " + e.index() + " of term " + e.term() + " where entry " + expected
                        + " of a term in [" + prevTerm + ", " + m.term() + "] belongs";
            }
            prevTerm = e.term();
            expected++;
        }
        return null;
    }

    private void handleHeartbeat(Message m) {
        log.commitTo(m.commit());
        send(Message.of(MessageType.HEARTBEAT_RESPONSE, groupId, id, m.from(), term)
                .withContext(m.context()));
    }

    // ---------------------------------------------------------------- snapshots, follower side

    private void handleSnapshotChunk(Message m) {
        SnapshotChunk c = m.snapshot();
        SnapshotMeta meta = c.meta();
        long pass = m.index();
        boolean sameTransfer = meta.equals(incomingSnapshot) && m.term() == incomingTerm;
        boolean restart = m.context() == Message.SNAPSHOT_NEW_TRANSFER && pass > incomingPass;
        if (c.offset() == 0 && (!sameTransfer || restart)) {
            // a new transfer; a late or duplicate chunk 0, or a rewind to 0, keeps what we received
            if (meta.index() <= log.committed()) {
                // we already have everything it holds: tell the leader where we are instead
                incomingSnapshot = null;
                send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term)
                        .withLog(0, log.committed()));
                return;
            }
            if (log.matchTerm(meta.index(), meta.term())) {
                // our log already has the snapshot's last entry: just commit up to it
                incomingSnapshot = null;
                log.commitTo(meta.index());
                send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term)
                        .withLog(0, log.committed()));
                return;
            }
            incomingSnapshot = meta;
            incomingOffset = 0;
            incomingTerm = m.term();
            incomingPass = pass;
        } else if (!sameTransfer) {
            // a chunk of a transfer we do not know (we restarted, or it was superseded): start over
            send(snapshotResponse(m.from(), meta, 0, pass).withReject(0));
            return;
        }
        incomingPass = Math.max(incomingPass, pass);
        if (c.offset() != incomingOffset) {
            // a duplicate (behind) or a gap (ahead, a chunk was lost): say which byte we expect
            send(snapshotResponse(m.from(), meta, incomingOffset, pass)
                    .withContext(c.offset() > incomingOffset ? Message.SNAPSHOT_GAP : 0));
            return;
        }
        chunksToStage.add(c);
        incomingOffset = c.end();
        if (!c.last()) {
            send(snapshotResponse(m.from(), meta, incomingOffset, pass));
            return;
        }
        incomingSnapshot = null;
        if (meta.index() <= log.committed()) {
            // appends overtook the transfer; the staged snapshot is simply never installed
            send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term)
                    .withLog(0, log.committed()));
            return;
        }
        log.restore(meta);
        tracker.setConf(meta.confState(), log.lastIndex(), id, false);
        confIndex = meta.index();
        send(Message.of(MessageType.APPEND_RESPONSE, groupId, id, m.from(), term)
                .withLog(0, log.lastIndex()));
    }

    /** A response to a chunk of pass {@code pass}, which it echoes. */
    private Message snapshotResponse(long to, SnapshotMeta meta, long offset, long pass) {
        return Message.of(MessageType.SNAPSHOT_RESPONSE, groupId, id, to, term)
                .withLog(0, pass)
                .withSnapshot(new SnapshotChunk(meta, offset, null, false));
    }

    // ---------------------------------------------------------------- replication, leader side

    private void send(Message m) {
        msgs.add(m);
    }

    private void bcastAppend() {
        for (long peer : tracker.all().keySet()) {
            if (peer != id) {
                sendAppend(peer);
            }
        }
    }

    private void sendAppend(long to) {
        maybeSendAppend(to, true);
    }

    /**
     * Sends the next APPEND to {@code to} if flow control allows; with {@code sendIfEmpty} also an
     * empty one (it carries the commit index and lets a stuck window recover). Falls back to a
     * snapshot when the entries the follower needs were compacted.
     */
    private boolean maybeSendAppend(long to, boolean sendIfEmpty) {
        Progress pr = tracker.get(to);
        if (pr == null || pr.paused()) {
            return false;
        }
        long prevIndex = pr.next() - 1;
        long prevTerm = log.term(prevIndex);
        if (prevTerm < 0) {
            return maybeStartSnapshot(to, pr);
        }
        List<Entry> entries = List.of();
        long bytes = 0;
        if (pr.state() != ProgressState.REPLICATE || !pr.inflights().full()) {
            long budget = config.maxSizePerMsgBytes();
            if (pr.state() == ProgressState.REPLICATE) {
                budget = Math.min(budget, pr.inflights().remainingBytes());
            }
            entries = log.entriesFrom(pr.next(), budget);
            if (entries == null) {
                return maybeStartSnapshot(to, pr);
            }
            for (Entry e : entries) {
                bytes += e.sizeBytes();
            }
            if (pr.state() == ProgressState.REPLICATE
                    && pr.inflights().count() > 0
                    && bytes > pr.inflights().remainingBytes()) {
                entries = List.of(); // one entry larger than the window's room: wait for acks
                bytes = 0;
            }
        }
        if (entries.isEmpty() && !sendIfEmpty) {
            return false;
        }
        send(Message.of(MessageType.APPEND, groupId, id, to, term)
                .withLog(prevTerm, prevIndex)
                .withEntries(entries)
                .withCommit(log.committed()));
        pr.sentEntries(entries.size(), bytes);
        pr.sentCommit(log.committed());
        return true;
    }

    private boolean maybeStartSnapshot(long to, Progress pr) {
        if (!pr.recentActive()) {
            return false; // do not stream a snapshot into the void
        }
        SnapshotMeta meta = log.storage().snapshot();
        if (meta.isEmpty() || meta.index() < log.firstIndex() - 1) {
            throw new IllegalStateException(
                    "entries before " + log.firstIndex() + " were compacted but the newest" + " snapshot is " + meta);
        }
        pr.becomeSnapshot(meta, config.maxInflightSnapshotChunks(), ++lastSnapshotPass);
        sendSnapshotChunks(to, pr);
        return true;
    }

    private void sendSnapshotChunks(long to, Progress pr) {
        boolean restarted = false;
        while (pr.state() == ProgressState.SNAPSHOT && pr.snapshot().canSend()) {
            SnapshotTransfer t = pr.snapshot();
            SnapshotChunk chunk = snapshots.read(t.meta(), t.sentOffset(), config.maxSnapshotChunkBytes());
            if (chunk == null) {
                SnapshotMeta newest = log.storage().snapshot();
                if (restarted || newest.index() <= t.meta().index()) {
                    pr.becomeProbe(); // snapshot unavailable for now; retried after the next heartbeat
                    pr.pauseFlow();
                    return;
                }
                restarted = true;
                pr.becomeSnapshot(newest, config.maxInflightSnapshotChunks(), ++lastSnapshotPass);
                continue;
            }
            if (!chunk.meta().equals(t.meta())
                    || chunk.offset() != t.sentOffset()
                    || chunk.data().length > config.maxSnapshotChunkBytes()
                    || (chunk.data().length == 0 && !chunk.last())) {
                throw new IllegalStateException(
                        "snapshot source returned " + chunk + " for " + t.meta() + " @" + t.sentOffset());
            }
            send(Message.of(MessageType.SNAPSHOT, groupId, id, to, term)
                    .withLog(0, t.pass())
                    .withContext(chunk.offset() == 0 && t.inFirstPass() ? Message.SNAPSHOT_NEW_TRANSFER : 0)
                    .withSnapshot(chunk));
            t.sent(chunk.end(), chunk.last());
        }
    }

    private void bcastHeartbeat() {
        for (Map.Entry<Long, Progress> e : tracker.all().entrySet()) {
            long peer = e.getKey();
            if (peer == id) {
                continue;
            }
            Progress pr = e.getValue();
            // never tell a follower to commit beyond what it is known to hold
            long commit = Math.min(pr.match(), log.committed());
            send(Message.of(MessageType.HEARTBEAT, groupId, id, peer, term)
                    .withCommit(commit)
                    .withContext(reads.round()));
            pr.sentCommit(commit);
        }
    }

    private void sendTimeoutNow(long to) {
        send(Message.of(MessageType.TIMEOUT_NOW, groupId, id, to, term));
    }

    /** Commits the largest index a quorum holds, but only an entry of this term (Raft §5.4.2). */
    private boolean maybeCommit() {
        return log.maybeCommit(tracker.committed(), term);
    }

    private void onCommitAdvanced() {
        if (log.term(log.committed()) == term) {
            for (ReadIndexQueue.PendingRead r : reads.drainWaitingForCommit()) {
                registerRead(r.from(), r.requestId());
            }
        }
        bcastAppend();
    }

    private boolean committedEntryInCurrentTerm() {
        return log.term(log.committed()) == term;
    }

    private void appendEntries(List<Entry> entries) {
        log.append(entries);
    }

    // ---------------------------------------------------------------- client requests

    @Override
    public ProposeResult propose(byte[] data) {
        Objects.requireNonNull(data, "data");
        Rejection rejection = checkProposal(data.length);
        if (rejection != null) {
            return rejection;
        }
        return appendProposal(EntryType.NORMAL, data);
    }

    @Override
    public ProposeResult proposeConfChange(ConfChange change) {
        Objects.requireNonNull(change, "change");
        byte[] data = change.encode();
        Rejection rejection = checkProposal(data.length);
        if (rejection != null) {
            return rejection;
        }
        if (pendingConfIndex > log.applied()) {
            return new Rejection(RejectReason.CONF_CHANGE_PENDING, id);
        }
        ConfState current = tracker.conf();
        boolean noop = switch (change.type()) {
            case ADD_VOTER -> current.voters().contains(change.nodeId());
            case ADD_LEARNER -> current.learners().contains(change.nodeId());
            case REMOVE_NODE -> !current.isMember(change.nodeId());
        };
        if (noop || current.apply(change).voters().isEmpty()) {
            return new Rejection(RejectReason.INVALID_CONF_CHANGE, id);
        }
        ProposeResult result = appendProposal(EntryType.CONF_CHANGE, data);
        pendingConfIndex = log.lastIndex();
        leaving = !current.apply(change).voters().contains(id);
        return result;
    }

    private Rejection checkProposal(int dataBytes) {
        if (role != RaftRole.LEADER) {
            return new Rejection(RejectReason.NOT_LEADER, lead);
        }
        if (tracker.get(id) == null) {
            return new Rejection(RejectReason.NOT_MEMBER, NONE);
        }
        if (leadTransferee != NONE || leaving) {
            return new Rejection(RejectReason.TRANSFERRING_LEADERSHIP, leadTransferee);
        }
        if (dataBytes > config.maxEntryBytes()) {
            return new Rejection(RejectReason.ENTRY_TOO_LARGE, id);
        }
        if (uncommittedBytes + dataBytes + Entry.OVERHEAD_BYTES > config.maxUncommittedBytes()) {
            return new Rejection(RejectReason.UNCOMMITTED_LIMIT, id);
        }
        return null;
    }

    private ProposeResult appendProposal(EntryType type, byte[] data) {
        Entry e = new Entry(term, log.lastIndex() + 1, type, data);
        appendEntries(List.of(e));
        uncommittedBytes += e.sizeBytes();
        bcastAppend();
        return new ProposeResult.Proposed(e.term(), e.index());
    }

    @Override
    public RequestResult readIndex(long requestId) {
        if (role == RaftRole.LEADER) {
            if (reads.full()) {
                return new Rejection(RejectReason.READ_QUEUE_FULL, id);
            }
            handleReadRequest(id, requestId);
            return RequestResult.ACCEPTED;
        }
        if (lead == NONE) {
            return new Rejection(RejectReason.NOT_LEADER, NONE);
        }
        send(Message.of(MessageType.READ_INDEX, groupId, id, lead, term).withContext(requestId));
        return RequestResult.ACCEPTED;
    }

    private void handleReadRequest(long from, long requestId) {
        if (!committedEntryInCurrentTerm()) {
            // our commit index may lag what earlier leaders committed until we commit in our term
            reads.waitForCommit(from, requestId);
            return;
        }
        registerRead(from, requestId);
    }

    private void registerRead(long from, long requestId) {
        if (tracker.isSingleton(id)) {
            answerRead(from, requestId, log.committed());
            return;
        }
        if (reads.register(from, requestId, log.committed())) {
            bcastHeartbeat(); // carries the new round
        }
    }

    private void releaseConfirmedReads() {
        for (ReadIndexQueue.PendingRead r : reads.confirmed(tracker.confirmedReadRound(id, reads.round()))) {
            answerRead(r.from(), r.requestId(), r.index());
        }
    }

    private void answerRead(long from, long requestId, long index) {
        if (from == id) {
            readStates.add(new ReadState(requestId, index));
        } else {
            send(Message.of(MessageType.READ_INDEX_RESPONSE, groupId, id, from, term)
                    .withLog(0, index)
                    .withContext(requestId));
        }
    }

    @Override
    public RequestResult transferLeadership(long toNodeId) {
        if (role != RaftRole.LEADER) {
            return new Rejection(RejectReason.NOT_LEADER, lead);
        }
        if (toNodeId == id) {
            return RequestResult.ACCEPTED;
        }
        Progress pr = tracker.get(toNodeId);
        if (pr == null || !tracker.isVoter(toNodeId)) {
            return new Rejection(RejectReason.NOT_MEMBER, id);
        }
        if (leadTransferee == toNodeId) {
            return RequestResult.ACCEPTED;
        }
        electionElapsed = 0; // the transfer must finish within one election timeout
        leadTransferee = toNodeId;
        if (pr.match() == log.lastIndex()) {
            sendTimeoutNow(toNodeId);
        } else {
            sendAppend(toNodeId);
        }
        return RequestResult.ACCEPTED;
    }

    // ---------------------------------------------------------------- Ready

    private SoftState softState() {
        return new SoftState(role, lead);
    }

    @Override
    public boolean hasReady() {
        if (inflightReady != null) {
            return false;
        }
        return !softState().equals(prevSoftState)
                || !new HardState(term, vote, log.committed()).equals(prevHardState)
                || log.hasUnstableToPersist()
                || log.hasNextCommittedEntries()
                || !msgs.isEmpty()
                || !readStates.isEmpty()
                || !chunksToStage.isEmpty();
    }

    @Override
    public Ready ready() {
        if (inflightReady != null) {
            throw new IllegalStateException("ready() called again before advance() of the previous Ready");
        }
        SoftState soft = softState();
        HardState hard = new HardState(term, vote, log.committed());
        List<Entry> entries = log.unstableEntriesToPersist();
        SnapshotMeta snapshot = log.unstableSnapshotToPersist();
        List<Entry> committed = log.nextCommittedEntries(config.maxCommittedBytesPerReady());
        ConfState confAfter = tracker.conf();
        for (Entry e : committed) {
            if (e.type() == EntryType.CONF_CHANGE && e.index() > confIndex) {
                confAfter = confAfter.apply(ConfChange.decode(e.data()));
            }
        }
        ConfState confOut = confAfter.equals(handedOutConf) ? null : confAfter;
        boolean hardChanged = !hard.equals(prevHardState);
        boolean mustSync = !entries.isEmpty()
                || snapshot != null
                || !chunksToStage.isEmpty()
                || confOut != null
                || (hardChanged && (hard.term() != prevHardState.term() || hard.vote() != prevHardState.vote()));
        // a leader's appends may precede its own fsync (Ready#messagesBeforePersist), except while a
        // configuration change in its log is unapplied (pendingConfIndex is the last index at election
        // until then): found by simulation seed 104351; and except when this Ready raises the term or
        // changes the vote: the appends carry a term not yet persisted (a single voter becomes leader in
        // the very Ready that raises it; a crash before the fsync would let it vote again in that term)
        boolean termPersisted = hard.term() == prevHardState.term() && hard.vote() == prevHardState.vote();
        List<Message> early = new ArrayList<>();
        List<Message> late = msgs;
        if (role == RaftRole.LEADER && pendingConfIndex <= log.applied() && termPersisted) {
            late = new ArrayList<>();
            for (Message m : msgs) {
                (m.type() == MessageType.APPEND ? early : late).add(m);
            }
        }
        Ready rd = new Ready(
                soft.equals(prevSoftState) ? null : soft,
                hardChanged ? hard : null,
                mustSync,
                chunksToStage,
                snapshot,
                entries,
                confOut,
                committed,
                early,
                late,
                readStates);
        prevSoftState = soft;
        prevHardState = hard;
        handedOutConf = confAfter;
        log.acceptReady(
                committed.isEmpty() ? 0 : committed.get(committed.size() - 1).index());
        msgs.clear();
        readStates.clear();
        chunksToStage.clear();
        reads.closeRound();
        inflightReady = rd;
        return rd;
    }

    @Override
    public void advance(Ready rd) {
        if (rd == null || rd != inflightReady) {
            throw new IllegalStateException("advance() with a Ready that is not the one handed out last");
        }
        inflightReady = null;
        if (rd.snapshot() != null) {
            log.stableSnapTo(rd.snapshot());
            appliedConf = rd.snapshot().confState();
        }
        if (!rd.entries().isEmpty()) {
            Entry last = rd.entries().get(rd.entries().size() - 1);
            log.stableTo(last.index(), last.term());
        }
        if (!rd.committedEntries().isEmpty()) {
            for (Entry e : rd.committedEntries()) {
                if (role == RaftRole.LEADER && e.type() == EntryType.NORMAL) {
                    uncommittedBytes = Math.max(0, uncommittedBytes - e.sizeBytes());
                }
            }
            log.appliedTo(
                    rd.committedEntries().get(rd.committedEntries().size() - 1).index());
            for (Entry e : rd.committedEntries()) {
                if (e.type() == EntryType.CONF_CHANGE) {
                    ConfChange cc = ConfChange.decode(e.data());
                    appliedConf = appliedConf.apply(cc);
                    if (e.index() > confIndex) {
                        confIndex = e.index();
                        applyConfChange(cc);
                    }
                }
            }
        }
        if (role == RaftRole.LEADER) {
            Progress self = tracker.get(id);
            if (self != null) {
                self.maybeUpdate(log.lastStableIndex());
            }
            if (maybeCommit()) {
                onCommitAdvanced();
            }
        }
    }

    private void applyConfChange(ConfChange change) {
        ConfState next = tracker.conf().apply(change);
        tracker.setConf(next, log.lastIndex(), id, role == RaftRole.LEADER);
        if (role != RaftRole.LEADER) {
            return;
        }
        if (!next.voters().contains(id)) {
            // removed or demoted: hand over to the most up-to-date voter at once, then step down
            long successor = NONE;
            long best = -1;
            for (long voter : next.voters()) {
                Progress pr = tracker.get(voter);
                if (pr != null && pr.match() > best) {
                    best = pr.match();
                    successor = voter;
                }
            }
            if (successor != NONE && best == log.lastIndex()) {
                sendTimeoutNow(successor);
            }
            becomeFollower(term, NONE);
            return;
        }
        if (leadTransferee != NONE && !next.voters().contains(leadTransferee)) {
            leadTransferee = NONE;
        }
        if (maybeCommit()) {
            onCommitAdvanced(); // the quorum shrank
        } else {
            bcastAppend(); // start probing new members
        }
    }

    @Override
    public RaftStatus status() {
        return new RaftStatus(
                groupId,
                id,
                role,
                term,
                lead,
                log.committed(),
                log.applied(),
                log.lastIndex(),
                appliedConf,
                leadTransferee);
    }

    /**
     * The term of the entry at {@code index} in this core's log, persisted or not; -1 if compacted or
     * beyond its end. For tests: the simulation compares every node's committed prefix by it.
     */
    public long term(long index) {
        return log.term(index);
    }

    /** Progress of every member as the leader sees it (empty unless leader); for tests and metrics. */
    public Map<Long, Progress> progress() {
        return tracker.all();
    }
}
