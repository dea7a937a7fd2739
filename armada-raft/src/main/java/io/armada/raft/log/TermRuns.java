package io.armada.raft.log;

import java.util.Arrays;

/**
 * The terms of one group's stored entries, as runs: run {@code k} covers the indexes from
 * {@code starts[k]} up to the next run's start (the last run up to the group's last index), all of
 * term {@code terms[k]}. Terms along a Raft log never decrease and change only with a new leader,
 * so a long log has few runs, and the term of any stored index is answered without reading it.
 *
 * <p>Immutable: a change returns a copy (or this same value when nothing changes, as for the
 * common append in the current term), so a reader on any thread sees one consistent value.
 */
final class TermRuns {
    static final TermRuns NONE = new TermRuns(new long[0], new long[0]);

    private final long[] starts;
    private final long[] terms;

    private TermRuns(long[] starts, long[] terms) {
        this.starts = starts;
        this.terms = terms;
    }

    boolean isEmpty() {
        return starts.length == 0;
    }

    /** Start of the first run, or 0 when there is none. */
    long firstStart() {
        return isEmpty() ? 0 : starts[0];
    }

    /** Start of the last run, or 0 when there is none. */
    long lastStart() {
        return isEmpty() ? 0 : starts[starts.length - 1];
    }

    /** Term of {@code index}, which the caller knows is stored (within the group's bounds). */
    long termAt(long index) {
        int covering = runsBelow(index + 1) - 1;
        if (covering < 0) {
            throw new IllegalStateException("no term run covers index " + index + ": " + this);
        }
        return terms[covering];
    }

    /**
     * The runs after storing {@code term} at {@code index}: runs starting at or after the index go
     * (a conflicting suffix is replaced), and the index starts a new run unless the run before it
     * has that term already, in which case nothing is copied.
     */
    TermRuns append(long index, long term) {
        int kept = runsBelow(index);
        long previous = kept == 0 ? 0 : terms[kept - 1];
        if (term < previous) {
            throw new IllegalStateException("term " + term + " at index " + index + " after term " + previous
                    + ": terms along a Raft log never decrease");
        }
        if (term == previous) {
            return kept == starts.length ? this : new TermRuns(Arrays.copyOf(starts, kept), Arrays.copyOf(terms, kept));
        }
        long[] newStarts = Arrays.copyOf(starts, kept + 1);
        long[] newTerms = Arrays.copyOf(terms, kept + 1);
        newStarts[kept] = index;
        newTerms[kept] = term;
        return new TermRuns(newStarts, newTerms);
    }

    /**
     * The runs after dropping every index up to {@code throughIndex}, which must be below the last
     * stored index: the run covering the next index is kept and now starts there.
     */
    TermRuns compactThrough(long throughIndex) {
        int covering = runsBelow(throughIndex + 2) - 1;
        if (covering < 0) {
            throw new IllegalStateException("no term run covers index " + (throughIndex + 1) + ": " + this);
        }
        long[] newStarts = Arrays.copyOfRange(starts, covering, starts.length);
        newStarts[0] = throughIndex + 1;
        return new TermRuns(newStarts, Arrays.copyOfRange(terms, covering, terms.length));
    }

    /** How many runs start below {@code index}. */
    private int runsBelow(long index) {
        int found = Arrays.binarySearch(starts, index);
        return found >= 0 ? found : -found - 1;
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("[");
        for (int k = 0; k < starts.length; k++) {
            s.append(k == 0 ? "" : ", ").append(starts[k]).append(':').append(terms[k]);
        }
        return s.append(']').toString();
    }
}
