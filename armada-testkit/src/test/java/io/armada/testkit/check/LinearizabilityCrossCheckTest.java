package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker against the definition ({@link BruteForceLinearizability}) on many tiny random
 * histories of one key, linearizable or not, full of UNKNOWN writes and of acknowledged writes
 * that repeat a value (so the register's mod revisions are compared, not only its values): the
 * memo, the rules for UNKNOWN writes and the leaving out of unseen ones must never change a verdict.
 */
class LinearizabilityCrossCheckTest {
    private static final long SEED = Long.getLong("testkit.seed", 42L);
    private static final int HISTORIES = 20_000;

    @Test
    void theCheckerAgreesWithBruteForce() {
        Random random = new Random(SEED);
        LinearizabilityChecker checker = new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT);
        int linearizable = 0;
        for (int n = 0; n < HISTORIES; n++) {
            History h = tinyHistory(random, 3 + random.nextInt(6));
            boolean expected = BruteForceLinearizability.isLinearizable(h.operations());
            Verdict v = checker.check(h);
            assertThat(v.complete()).isTrue();
            assertThat(v.valid())
                    .as(
                            "seed %d, history %d:%n%s%n%s",
                            SEED,
                            n,
                            String.join(
                                    "\n",
                                    h.operations().stream()
                                            .map(Operation::toString)
                                            .toList()),
                            v.summary())
                    .isEqualTo(expected);
            linearizable += expected ? 1 : 0;
        }
        // both verdicts must be well represented for the comparison to mean anything
        assertThat(linearizable).isBetween(HISTORIES / 5, HISTORIES * 4 / 5);
    }

    /**
     * {@code count} operations (here up to 8) of 3 clients: writes with revisions 1, 2, 3... in invocation order, 2 in 5
     * UNKNOWN; reads that return a value some write wrote (or absence) with a plausible mod
     * revision, so that histories are often, but not always, linearizable.
     */
    static History tinyHistory(Random random, int count) {
        long[] clock = new long[3];
        List<Operation> ops = new ArrayList<>();
        List<Operation> writes = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int p = random.nextInt(3);
            long start = clock[p] + random.nextInt(4);
            long end = start + 1 + random.nextInt(8);
            clock[p] = end + 1;
            int dice = random.nextInt(10);
            Operation op;
            if (dice < 5) {
                Operation.Kind kind =
                        dice < 2 ? Operation.Kind.PUT : dice < 3 ? Operation.Kind.DELETE : Operation.Kind.CAS;
                boolean unknown = random.nextInt(5) < 2;
                long revision = writes.size() + 1;
                long expected = random.nextBoolean() ? 0 : 1 + random.nextInt(Math.max(1, writes.size()));
                op = new Operation(
                        i,
                        p,
                        kind,
                        "t",
                        "k",
                        kind == Operation.Kind.DELETE ? null : value(random, i, unknown, writes),
                        expected,
                        null,
                        "leader",
                        start,
                        unknown ? Long.MAX_VALUE : end,
                        unknown ? Operation.Outcome.UNKNOWN : Operation.Outcome.OK,
                        unknown ? 0 : revision,
                        !unknown && random.nextBoolean(),
                        null,
                        0);
                writes.add(op);
            } else {
                List<Operation> valued =
                        writes.stream().filter(w -> w.value() != null).toList();
                // mostly one of the latest writes: the interesting cases are reads racing them
                Operation source = valued.isEmpty() || random.nextInt(4) == 0
                        ? null
                        : valued.get(Math.max(0, valued.size() - 1 - random.nextInt(Math.min(3, valued.size()))));
                long mod = source == null
                        ? 0
                        : source.outcome() == Operation.Outcome.OK
                                ? source.revision()
                                : 1 + random.nextInt(writes.size() + 1);
                op = new Operation(
                        i,
                        p,
                        Operation.Kind.READ,
                        "t",
                        "k",
                        null,
                        0,
                        Operation.Consistency.LINEARIZABLE,
                        "leader",
                        start,
                        end,
                        Operation.Outcome.OK,
                        writes.size(),
                        false,
                        source == null ? null : source.value(),
                        mod);
            }
            ops.add(op);
        }
        return new History(ops);
    }

    /**
     * An acknowledged write often writes a value an earlier acknowledged write wrote, so reads of
     * an older revision of the same value occur and only the mod revision tells them apart. An
     * UNKNOWN write's value stays unique: the workload's are, and the search's rules for UNKNOWN
     * writes identify the write a read saw by its value ({@link UnknownWriteRules}).
     */
    private static String value(Random random, int i, boolean unknown, List<Operation> writes) {
        List<String> reusable = writes.stream()
                .filter(w -> w.outcome() == Operation.Outcome.OK && w.value() != null)
                .map(Operation::value)
                .toList();
        if (unknown || reusable.isEmpty() || random.nextInt(3) != 0) {
            return "v" + i;
        }
        return reusable.get(random.nextInt(reusable.size()));
    }
}
