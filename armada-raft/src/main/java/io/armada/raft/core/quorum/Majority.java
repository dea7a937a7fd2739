package io.armada.raft.core.quorum;

import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * Majority math over one set of voters: the index a quorum has reached, and the outcome of a
 * vote. Pure functions, so the rules are testable without any Raft state around them.
 */
public final class Majority {

    private Majority() {}

    /** Smallest number of voters that forms a majority of {@code voters}. */
    public static int quorum(int voters) {
        return voters / 2 + 1;
    }

    /**
     * The largest index acknowledged by a majority of {@code voters}; 0 for no voters. With
     * acknowledgements sorted descending, it is the one at position quorum - 1.
     */
    public static long committedIndex(Collection<Long> voters, ToLongFunction<Long> acked) {
        if (voters.isEmpty()) {
            return 0;
        }
        long[] values = new long[voters.size()];
        int i = 0;
        for (long id : voters) {
            values[i++] = acked.applyAsLong(id);
        }
        Arrays.sort(values);
        // ascending: the quorum-th largest sits at length - quorum
        return values[values.length - quorum(values.length)];
    }

    /** WON once a majority granted, LOST once a majority can no longer grant, else PENDING. */
    public static VoteResult voteResult(Collection<Long> voters, Map<Long, Boolean> votes) {
        if (voters.isEmpty()) {
            return VoteResult.LOST;
        }
        int granted = 0;
        int rejected = 0;
        for (long id : voters) {
            Boolean v = votes.get(id);
            if (v == null) {
                continue;
            }
            if (v) {
                granted++;
            } else {
                rejected++;
            }
        }
        int q = quorum(voters.size());
        if (granted >= q) {
            return VoteResult.WON;
        }
        if (voters.size() - rejected < q) {
            return VoteResult.LOST;
        }
        return VoteResult.PENDING;
    }

    public enum VoteResult {
        PENDING,
        LOST,
        WON
    }
}
