package io.armada.testkit.check;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.List;

/** Hand-written histories for the checkers' tests: one table "t"; times are plain numbers. */
final class Histories {
    private final List<Operation> ops = new ArrayList<>();

    private Histories add(
            int p,
            Operation.Kind kind,
            String key,
            String value,
            long expected,
            Operation.Consistency c,
            String cluster,
            long start,
            long end,
            Operation.Outcome outcome,
            long revision,
            boolean held,
            String read,
            long readMod) {
        ops.add(new Operation(
                ops.size(),
                p,
                kind,
                "t",
                key,
                value,
                expected,
                c,
                cluster,
                start,
                outcome == Operation.Outcome.UNKNOWN ? Long.MAX_VALUE : end,
                outcome,
                revision,
                held,
                read,
                readMod));
        return this;
    }

    Histories put(int p, String key, String value, long start, long end, long revision) {
        return add(
                p,
                Operation.Kind.PUT,
                key,
                value,
                0,
                null,
                "leader",
                start,
                end,
                Operation.Outcome.OK,
                revision,
                false,
                null,
                0);
    }

    Histories putUnknown(int p, String key, String value, long start) {
        return add(
                p,
                Operation.Kind.PUT,
                key,
                value,
                0,
                null,
                "leader",
                start,
                0,
                Operation.Outcome.UNKNOWN,
                0,
                false,
                null,
                0);
    }

    Histories casUnknown(int p, String key, long expected, String value, long start) {
        return add(
                p,
                Operation.Kind.CAS,
                key,
                value,
                expected,
                null,
                "leader",
                start,
                0,
                Operation.Outcome.UNKNOWN,
                0,
                false,
                null,
                0);
    }

    Histories deleteUnknown(int p, String key, long start) {
        return add(
                p,
                Operation.Kind.DELETE,
                key,
                null,
                0,
                null,
                "leader",
                start,
                0,
                Operation.Outcome.UNKNOWN,
                0,
                false,
                null,
                0);
    }

    Histories delete(int p, String key, long start, long end, long revision) {
        return add(
                p,
                Operation.Kind.DELETE,
                key,
                null,
                0,
                null,
                "leader",
                start,
                end,
                Operation.Outcome.OK,
                revision,
                false,
                null,
                0);
    }

    Histories cas(int p, String key, long expected, String value, long start, long end, long revision, boolean held) {
        return add(
                p,
                Operation.Kind.CAS,
                key,
                value,
                expected,
                null,
                "leader",
                start,
                end,
                Operation.Outcome.OK,
                revision,
                held,
                null,
                0);
    }

    /** A linearizable read through the leader cluster that found {@code value}@{@code mod} (null: absent) at {@code revision}. */
    Histories read(int p, String key, long start, long end, long revision, String value, long mod) {
        return add(
                p,
                Operation.Kind.READ,
                key,
                null,
                0,
                Operation.Consistency.LINEARIZABLE,
                "leader",
                start,
                end,
                Operation.Outcome.OK,
                revision,
                false,
                value,
                mod);
    }

    Histories followerRead(int p, String key, long start, long end, long revision, String value, long mod) {
        return add(
                p,
                Operation.Kind.READ,
                key,
                null,
                0,
                Operation.Consistency.SERIALIZABLE,
                "follower-1",
                start,
                end,
                Operation.Outcome.OK,
                revision,
                false,
                value,
                mod);
    }

    History history() {
        return new History(ops);
    }
}
