package io.armada.testkit.check;

import io.armada.testkit.history.History;
import io.armada.testkit.history.Operation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Random;
import java.util.TreeMap;

/**
 * Histories of a correct store, for the checkers to pass: clients send operations one at a time
 * with random overlap; each operation that takes effect does so at a random point of its interval
 * (an UNKNOWN write possibly after the client gave up), in the order of those points, against a
 * sequential model of one table that spends a revision on every write, as Armada does. Some writes
 * time out (UNKNOWN, applied or not), some are refused (FAILED); reads are linearizable through
 * the leader, or serializable through a follower cluster that lags by a random, never shrinking
 * (per client) number of revisions.
 */
final class HistoryGenerator {
    static final String TABLE = "t";

    private final Random random;

    private HistoryGenerator(long seed) {
        this.random = new Random(seed);
    }

    /** {@code count} operations of {@code clients} clients over {@code keys} keys of table "t". */
    static History generate(long seed, int clients, int keys, int count) {
        return new HistoryGenerator(seed).run(clients, keys, count);
    }

    private enum Fate {
        ANSWERED,
        TIMED_OUT_APPLIED,
        TIMED_OUT_LOST,
        REFUSED
    }

    /** An operation as sent, with when (and whether) it takes effect. */
    private record Planned(
            int id,
            int process,
            Operation.Kind kind,
            String key,
            boolean follower,
            long start,
            long end,
            Fate fate,
            long effectAt) {}

    /** A key's value and the revision that wrote it. */
    private record Cell(String value, long mod) {}

    private History run(int clients, int keys, int count) {
        List<Planned> planned = plan(clients, keys, count);
        Map<String, NavigableMap<Long, Cell>> store =
                new HashMap<>(); // each key's states by revision; null cell: absent
        Map<Integer, Long> followerSeen = new HashMap<>();
        long revision = 0;
        List<Operation> done = new ArrayList<>();
        List<Planned> byEffect = planned.stream()
                .filter(p -> p.fate() == Fate.ANSWERED || p.fate() == Fate.TIMED_OUT_APPLIED)
                .sorted(Comparator.comparingLong(Planned::effectAt))
                .toList();
        for (Planned p : byEffect) {
            NavigableMap<Long, Cell> key = store.computeIfAbsent(p.key(), k -> new TreeMap<>());
            Map.Entry<Long, Cell> latest = key.lastEntry();
            Cell now = latest == null ? null : latest.getValue();
            long mod = now == null ? 0 : now.mod();
            String value = "v" + p.id();
            switch (p.kind()) {
                case PUT -> {
                    key.put(++revision, new Cell(value, revision));
                    done.add(write(p, value, 0, revision, true));
                }
                case DELETE -> {
                    key.put(++revision, null);
                    done.add(write(p, null, 0, revision, true));
                }
                case CAS -> {
                    long expected = switch (random.nextInt(4)) {
                        case 0, 1 -> mod; // a client that read the key just before: likely to hold
                        case 2 -> 0;
                        default -> 1 + random.nextInt((int) Math.max(1, revision));
                    };
                    boolean holds = expected == mod;
                    ++revision; // a comparison that fails still takes its revision
                    if (holds) {
                        key.put(revision, new Cell(value, revision));
                    }
                    done.add(write(p, value, expected, revision, holds));
                }
                case READ -> {
                    long at = revision;
                    if (p.follower()) {
                        long floor = followerSeen.getOrDefault(p.process(), 0L);
                        at = floor + (long) (random.nextDouble() * (revision - floor + 1)); // lags, but never goes back
                        at = Math.min(at, revision);
                        followerSeen.put(p.process(), at);
                    }
                    Map.Entry<Long, Cell> seen = key.floorEntry(at);
                    Cell cell = seen == null ? null : seen.getValue();
                    done.add(read(p, at, cell));
                }
            }
        }
        for (Planned p : planned) {
            if (p.fate() == Fate.TIMED_OUT_LOST || p.fate() == Fate.REFUSED) {
                done.add(write(
                        p,
                        p.kind() == Operation.Kind.PUT || p.kind() == Operation.Kind.CAS ? "v" + p.id() : null,
                        p.kind() == Operation.Kind.CAS ? random.nextInt(5) : 0,
                        0,
                        false));
            }
        }
        done.sort(Comparator.comparingLong(Operation::id));
        return new History(done);
    }

    private List<Planned> plan(int clients, int keys, int count) {
        long[] clock = new long[clients];
        List<Planned> planned = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int p = random.nextInt(clients);
            long start = clock[p] + random.nextInt(5);
            long end = start + 1 + random.nextInt(30);
            clock[p] = end + 1;
            int dice = random.nextInt(100);
            Operation.Kind kind = dice < 25
                    ? Operation.Kind.PUT
                    : dice < 35 ? Operation.Kind.DELETE : dice < 50 ? Operation.Kind.CAS : Operation.Kind.READ;
            int fateDice = random.nextInt(100);
            Fate fate = kind == Operation.Kind.READ
                    ? fateDice < 3 ? Fate.REFUSED : Fate.ANSWERED
                    : fateDice < 4
                            ? Fate.TIMED_OUT_APPLIED
                            : fateDice < 7 ? Fate.TIMED_OUT_LOST : fateDice < 9 ? Fate.REFUSED : Fate.ANSWERED;
            // a write that timed out may still be applied well after the client gave up on it
            long latest = fate == Fate.TIMED_OUT_APPLIED ? end + 60 : end;
            long effectAt = start + (long) (random.nextDouble() * (latest - start + 1));
            planned.add(new Planned(
                    i,
                    p,
                    kind,
                    "k" + random.nextInt(keys),
                    kind == Operation.Kind.READ && random.nextInt(5) < 2,
                    start,
                    end,
                    fate,
                    Math.min(effectAt, latest)));
        }
        return planned;
    }

    private static Operation write(Planned p, String value, long expected, long revision, boolean held) {
        boolean answered = p.fate() == Fate.ANSWERED;
        Operation.Outcome outcome = answered
                ? Operation.Outcome.OK
                : p.fate() == Fate.REFUSED ? Operation.Outcome.FAILED : Operation.Outcome.UNKNOWN;
        boolean read = p.kind() == Operation.Kind.READ;
        return new Operation(
                p.id(),
                p.process(),
                p.kind(),
                TABLE,
                p.key(),
                value,
                expected,
                read ? Operation.Consistency.LINEARIZABLE : null,
                "leader",
                p.start(),
                outcome == Operation.Outcome.UNKNOWN ? Long.MAX_VALUE : p.end(),
                outcome,
                answered ? revision : 0,
                answered && held,
                null,
                0);
    }

    private static Operation read(Planned p, long revision, Cell cell) {
        return new Operation(
                p.id(),
                p.process(),
                Operation.Kind.READ,
                TABLE,
                p.key(),
                null,
                0,
                p.follower() ? Operation.Consistency.SERIALIZABLE : Operation.Consistency.LINEARIZABLE,
                p.follower() ? "follower-1" : "leader",
                p.start(),
                p.end(),
                Operation.Outcome.OK,
                revision,
                false,
                cell == null ? null : cell.value(),
                cell == null ? 0 : cell.mod());
    }
}
