package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Histories generated from a correct store: each operation takes effect at a random point inside
 * its interval, in the order of those points, with a revision per write. Both checkers must pass
 * them, and must catch a single corrupted read.
 */
class GeneratedHistoryTest {
    @TempDir Path dir;

    private record Timed(Operation op, long point) {}

    /** {@code count} operations of {@code clients} clients over {@code keys} keys of table "t". */
    static History generate(long seed, int clients, int keys, int count) {
        Random random = new Random(seed);
        long[] clock = new long[clients];
        List<Timed> timed = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int p = random.nextInt(clients);
            long start = clock[p] + random.nextInt(5);
            long end = start + 1 + random.nextInt(30);
            clock[p] = end + 1;
            String key = "k" + random.nextInt(keys);
            int dice = random.nextInt(10);
            Operation.Kind kind = dice < 3 ? Operation.Kind.PUT : dice < 4 ? Operation.Kind.DELETE
                    : dice < 5 ? Operation.Kind.CAS : Operation.Kind.READ;
            timed.add(new Timed(new Operation(i, p, kind, "t", key, kind == Operation.Kind.PUT || kind == Operation.Kind.CAS
                    ? "v" + i : null, 0, kind == Operation.Kind.READ ? Operation.Consistency.LINEARIZABLE : null, "leader",
                    start, end, Operation.Outcome.OK, 0, false, null, 0), start + random.nextLong(end - start + 1)));
        }
        timed.sort(Comparator.comparingLong(Timed::point));
        record Cell(String value, long mod) {}
        Map<String, Cell> state = new HashMap<>();
        long revision = 100;
        List<Operation> out = new ArrayList<>();
        for (Timed t : timed) {
            Operation o = t.op();
            Cell cell = state.get(o.key());
            long expected = o.kind() == Operation.Kind.CAS ? (random.nextBoolean() && cell != null ? cell.mod() : 1) : 0;
            Operation done = switch (o.kind()) {
                case PUT -> {
                    state.put(o.key(), new Cell(o.value(), ++revision));
                    yield with(o, expected, revision, false, null, 0);
                }
                case DELETE -> {
                    state.remove(o.key());
                    yield with(o, expected, ++revision, false, null, 0);
                }
                case CAS -> {
                    boolean holds = (cell == null ? 0 : cell.mod()) == expected;
                    ++revision;
                    if (holds) {
                        state.put(o.key(), new Cell(o.value(), revision));
                    }
                    yield with(o, expected, revision, holds, null, 0);
                }
                case READ -> with(o, 0, revision, false, cell == null ? null : cell.value(), cell == null ? 0 : cell.mod());
            };
            out.add(done);
        }
        out.sort(Comparator.comparingLong(Operation::id));
        return new History(out);
    }

    private static Operation with(Operation o, long expected, long revision, boolean held, String value, long mod) {
        return new Operation(o.id(), o.process(), o.kind(), o.table(), o.key(), o.value(), expected, o.consistency(),
                o.cluster(), o.invokeNanos(), o.completeNanos(), o.outcome(), revision, held, value, mod);
    }

    @Test
    void generatedHistoriesPassAndOneCorruptedReadFails() {
        long base = Long.getLong("testkit.seed", System.nanoTime()); // -Dtestkit.seed=N replays a failure
        for (int round = 0; round < 20; round++) {
            long seed = base + round;
            History h = generate(seed, 5, 3, 300);
            assertThat(RevisionChecker.check(h).violations()).as("seed %d", seed).isEmpty();
            Verdict lin = new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT).check(h);
            assertThat(lin.valid()).as("seed %d: %s", seed, lin.summary()).isTrue();

            List<Operation> ops = new ArrayList<>(h.operations());
            int victim = 0;
            while (ops.get(victim).kind() != Operation.Kind.READ || ops.get(victim).readValue() == null) {
                victim++;
            }
            Operation r = ops.get(victim);
            ops.set(victim, with(r, 0, r.revision(), false, r.readValue() + "-corrupt", r.readModRevision()));
            History bad = new History(ops);
            assertThat(RevisionChecker.check(bad).valid()).as("seed %d", seed).isFalse();
            assertThat(new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT).check(bad).valid())
                    .as("seed %d", seed).isFalse();
        }
    }

    @Test
    void aLargeHistoryIsChecked() {
        long seed = Long.getLong("testkit.seed", System.nanoTime());
        History h = generate(seed, 5, 10, 10_000);
        assertThat(RevisionChecker.check(h).valid()).as("seed %d", seed).isTrue();
        Verdict lin = new LinearizabilityChecker(LinearizabilityChecker.DEFAULT_STEP_LIMIT).check(h);
        assertThat(lin.valid()).as("seed %d", seed).isTrue();
        assertThat(lin.counts()).containsEntry("keys", 10L);
    }

    @Test
    void aHistorySurvivesTheRoundTripThroughItsFile() throws Exception {
        History h = generate(7, 3, 2, 50);
        Path file = dir.resolve("history.jsonl");
        h.save(file);
        assertThat(History.load(file)).isEqualTo(h);
    }
}
