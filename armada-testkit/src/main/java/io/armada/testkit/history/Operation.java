package io.armada.testkit.history;

import com.fasterxml.jackson.annotation.JsonIgnore;
import java.util.Objects;

/**
 * One client operation of a history, as the client saw it (Jepsen's invocation and completion).
 *
 * @param id position in the history (invocation order)
 * @param process the client that issued it; a client issues one operation at a time
 * @param kind what it did
 * @param table the table
 * @param key the key
 * @param value PUT and CAS: the value written (unique per write in the workloads, so a read identifies its write)
 * @param expectedModRevision CAS: the key's mod revision the write is conditioned on (0 = absent)
 * @param consistency reads: how they were served
 * @param cluster which cluster answered ("leader", or a follower cluster's name): revisions seen through one
 *     cluster must never go backwards for one client
 * @param invokeNanos when the client sent it
 * @param completeNanos when the answer arrived; {@link Long#MAX_VALUE} while unknown
 * @param outcome whether it happened
 * @param revision writes: the write's revision; reads: the revision the read saw (header.revision)
 * @param casSucceeded CAS: whether the comparison held
 * @param readValue reads: the value found, null when the key was absent
 * @param readModRevision reads: the found value's mod revision (0 when absent)
 */
public record Operation(
        long id,
        int process,
        Kind kind,
        String table,
        String key,
        String value,
        long expectedModRevision,
        Consistency consistency,
        String cluster,
        long invokeNanos,
        long completeNanos,
        Outcome outcome,
        long revision,
        boolean casSucceeded,
        String readValue,
        long readModRevision) {

    public Operation {
        // a history is read back from files too: refuse a line that could not have been recorded
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(table, "table");
        Objects.requireNonNull(key, "key");
        Objects.requireNonNull(outcome, "outcome");
    }

    public enum Kind {
        PUT,
        DELETE,
        CAS,
        READ
    }

    public enum Consistency {
        LINEARIZABLE,
        SERIALIZABLE
    }

    /** OK: it happened; FAILED: it certainly did not; UNKNOWN: it may have (a timeout, a lost connection). */
    public enum Outcome {
        OK,
        FAILED,
        UNKNOWN
    }

    @JsonIgnore
    public boolean isWrite() {
        return kind != Kind.READ;
    }

    /** A write that certainly changed the key: an acknowledged PUT or DELETE, or a CAS whose comparison held. */
    @JsonIgnore
    public boolean isAcknowledgedChange() {
        return outcome == Outcome.OK && (kind == Kind.PUT || kind == Kind.DELETE || (kind == Kind.CAS && casSucceeded));
    }

    @Override
    public String toString() {
        return String.format(
                "#%d p%d %s %s/%s%s %s rev=%d%s [%d..%s]",
                id,
                process,
                kind,
                table,
                key,
                kind == Kind.READ
                        ? " -> " + (readValue == null ? "absent" : readValue + "@" + readModRevision)
                        : value != null ? " = " + value : "",
                outcome,
                revision,
                kind == Kind.CAS ? (casSucceeded ? " held" : " failed") + " if mod=" + expectedModRevision : "",
                invokeNanos,
                completeNanos == Long.MAX_VALUE ? "?" : Long.toString(completeNanos));
    }
}
