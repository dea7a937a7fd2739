package io.armada.client;

import io.armada.api.v1.TxnResponse;
import java.util.List;

/**
 * The outcome of a transaction: which branch ran ({@code succeeded}: the compares held), the
 * revision it committed at (the table's revision read, if the branch wrote nothing), and one result
 * per operation of that branch, in order.
 */
public record TxnResult(boolean succeeded, long revision, List<OpResult> results) {
    /** The result of one transaction operation. */
    public sealed interface OpResult {}

    /** A get's keys. */
    public record Got(RangeResult range) implements OpResult {}

    /** A put took effect. */
    public record Put() implements OpResult {}

    /** How many keys a delete removed. */
    public record Deleted(long count) implements OpResult {}

    static TxnResult of(TxnResponse r) {
        List<OpResult> results = r.getResponsesList().stream()
                .map(op -> switch (op.getResponseCase()) {
                    case RESPONSE_RANGE -> (OpResult) new Got(RangeResult.of(op.getResponseRange()));
                    case RESPONSE_PUT -> new Put();
                    case RESPONSE_DELETE_RANGE ->
                        new Deleted(op.getResponseDeleteRange().getDeleted());
                    case RESPONSE_NOT_SET -> throw new IllegalStateException("server sent an empty transaction result");
                })
                .toList();
        return new TxnResult(r.getSucceeded(), r.getHeader().getRevision(), results);
    }
}
