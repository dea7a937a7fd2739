package io.armada.testkit.check;

import io.armada.testkit.history.Operation;
import java.util.Objects;

/**
 * The sequential model the linearizability search replays: one key's value (null: absent) and its
 * mod revision. A write whose revision the client never learned (an UNKNOWN one) leaves
 * {@link #UNKNOWN_REVISION}, which any later comparison or read may take to be what it saw.
 */
record Register(String value, long modRevision) {
    static final long UNKNOWN_REVISION = -1;
    static final Register ABSENT = new Register(null, 0);
    /**
     * Holds a value no read returns, at an unknown revision: what any UNKNOWN write no read saw
     * leaves. One state for all of them, so the search sees that it does not matter which.
     */
    static final Register UNREADABLE = new Register(null, -2);

    private boolean unreadable() {
        return modRevision == UNREADABLE.modRevision;
    }

    /** The register after {@code op} takes effect here, or null if {@code op}'s result says it cannot have. */
    Register after(Operation op) {
        boolean answered = op.outcome() == Operation.Outcome.OK;
        long revision = answered ? op.revision() : UNKNOWN_REVISION;
        boolean revisionUnknown = modRevision < 0;
        return switch (op.kind()) {
            case PUT -> new Register(op.value(), revision);
            case DELETE -> ABSENT;
            case CAS -> {
                boolean holds = revisionUnknown || modRevision == op.expectedModRevision();
                boolean fails = revisionUnknown || modRevision != op.expectedModRevision();
                if (!answered) {
                    // an UNKNOWN CAS whose comparison fails changes nothing, which leaving it out already covers
                    yield holds ? new Register(op.value(), UNKNOWN_REVISION) : null;
                }
                if (op.casSucceeded()) {
                    yield holds ? new Register(op.value(), revision) : null;
                }
                yield fails ? this : null;
            }
            case READ ->
                !unreadable()
                                && Objects.equals(value, op.readValue())
                                && (value == null || revisionUnknown || modRevision == op.readModRevision())
                        ? this
                        : null;
        };
    }

    @Override
    public String toString() {
        return unreadable()
                ? "a value no read returned"
                : value == null ? "absent" : value + "@" + (modRevision < 0 ? "?" : Long.toString(modRevision));
    }
}
