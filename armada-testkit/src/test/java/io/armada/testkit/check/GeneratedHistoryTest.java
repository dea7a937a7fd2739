package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Histories of a correct store ({@link HistoryGenerator}) must pass both checkers, and a single
 * corrupted read must fail both. Seeds are fixed so a run is repeatable; {@code -Dtestkit.seed=N}
 * tries other ones, and every failure names its seed.
 */
class GeneratedHistoryTest {
    private static final long BASE_SEED = Long.getLong("testkit.seed", 20_261_125L);
    private static final int ROUNDS = 30;

    private final LinearizabilityChecker linearizability =
            new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT);

    @Test
    void historiesOfACorrectStorePassBothCheckers() {
        for (int round = 0; round < ROUNDS; round++) {
            long seed = BASE_SEED + round;
            History h = HistoryGenerator.generate(seed, 5, 3, 300);
            Verdict revisions = RevisionChecker.check(h);
            assertThat(revisions.violations()).as("seed %d", seed).isEmpty();
            Verdict lin = linearizability.check(h);
            assertThat(lin.valid()).as("seed %d: %s", seed, lin.summary()).isTrue();
            assertThat(lin.complete()).as("seed %d: %s", seed, lin.summary()).isTrue();
        }
    }

    @Test
    void theGeneratedHistoriesHoldWhatTheCheckersMustHandle() {
        List<Operation> ops = HistoryGenerator.generate(BASE_SEED, 5, 3, 300).operations();
        assertThat(ops)
                .anyMatch(o -> o.isWrite() && o.outcome() == Operation.Outcome.UNKNOWN)
                .anyMatch(o -> o.outcome() == Operation.Outcome.FAILED)
                .anyMatch(
                        o -> o.kind() == Operation.Kind.CAS && o.outcome() == Operation.Outcome.OK && o.casSucceeded())
                .anyMatch(
                        o -> o.kind() == Operation.Kind.CAS && o.outcome() == Operation.Outcome.OK && !o.casSucceeded())
                .anyMatch(o ->
                        o.consistency() == Operation.Consistency.SERIALIZABLE && o.outcome() == Operation.Outcome.OK)
                .anyMatch(o -> o.kind() == Operation.Kind.READ
                        && o.outcome() == Operation.Outcome.OK
                        && o.readValue() == null);
    }

    @Test
    void oneCorruptedReadFailsBothCheckers() {
        for (int round = 0; round < ROUNDS; round++) {
            long seed = BASE_SEED + round;
            List<Operation> ops =
                    new ArrayList<>(HistoryGenerator.generate(seed, 5, 3, 300).operations());
            int victim = 0;
            while (!isLinearizableReadOfAValue(ops.get(victim))) {
                victim++;
            }
            Operation r = ops.get(victim);
            ops.set(victim, corrupted(r));
            History bad = new History(ops);
            assertThat(RevisionChecker.check(bad).violations())
                    .as("seed %d", seed)
                    .anySatisfy(v -> assertThat(v).contains("#" + r.id() + " "));
            Verdict lin = linearizability.check(bad);
            assertThat(lin.valid()).as("seed %d", seed).isFalse();
            assertThat(lin.violations())
                    .as("seed %d", seed)
                    .singleElement()
                    .asString()
                    .contains("key t/" + r.key() + " ");
        }
    }

    /** 10,000 operations of 5 clients over 10 keys: an ordinary run, to show such a history checks in seconds. */
    @Test
    void aLargeHistoryIsChecked() {
        History h = HistoryGenerator.generate(BASE_SEED, 5, 10, 10_000);
        Verdict revisions = RevisionChecker.check(h);
        assertThat(revisions.violations()).as("seed %d", BASE_SEED).isEmpty();
        assertThat(revisions.counts().get("reads-checked")).isGreaterThan(4_000L);
        Verdict lin = linearizability.check(h);
        assertThat(lin.valid()).as("seed %d: %s", BASE_SEED, lin.summary()).isTrue();
        assertThat(lin.complete()).as("seed %d: %s", BASE_SEED, lin.summary()).isTrue();
        assertThat(lin.counts()).containsEntry("keys", 10L);
    }

    /** The same size, with one read corrupted: the search must still find the violation, not give up. */
    @Test
    void aCorruptedReadInALargeHistoryIsFound() {
        List<Operation> ops = new ArrayList<>(
                HistoryGenerator.generate(BASE_SEED, 5, 10, 10_000).operations());
        int victim = ops.size() * 9 / 10; // late: the search must get through most of its key's operations first
        while (!isLinearizableReadOfAValue(ops.get(victim))) {
            victim++;
        }
        ops.set(victim, corrupted(ops.get(victim)));
        Verdict lin = linearizability.check(new History(ops));
        assertThat(lin.valid()).as("seed %d: %s", BASE_SEED, lin.summary()).isFalse();
        assertThat(lin.complete()).as("seed %d: %s", BASE_SEED, lin.summary()).isTrue();
    }

    private static Operation corrupted(Operation r) {
        return new Operation(
                r.id(),
                r.process(),
                r.kind(),
                r.table(),
                r.key(),
                r.value(),
                r.expectedModRevision(),
                r.consistency(),
                r.cluster(),
                r.invokeNanos(),
                r.completeNanos(),
                r.outcome(),
                r.revision(),
                r.casSucceeded(),
                r.readValue() + "-corrupt",
                r.readModRevision());
    }

    private static boolean isLinearizableReadOfAValue(Operation o) {
        return o.kind() == Operation.Kind.READ
                && o.outcome() == Operation.Outcome.OK
                && o.consistency() == Operation.Consistency.LINEARIZABLE
                && o.readValue() != null;
    }
}
