package io.armada.testkit.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.testkit.history.Operation;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class UnknownWriteRulesTest {
    // 0: an answered put; 1, 2: unseen unknown puts; 3: an unknown put a read saw; 4, 5: unknown deletes;
    // 6: an unseen unknown CAS expecting 9; 7: the read
    private final List<Operation> ops = new Histories()
            .put(1, "k", "a", 0, 10, 5)
            .putUnknown(2, "k", "x", 30)
            .putUnknown(3, "k", "y", 20)
            .putUnknown(4, "k", "seen", 40)
            .deleteUnknown(5, "k", 50)
            .deleteUnknown(6, "k", 45)
            .casUnknown(7, "k", 9, "z", 25)
            .read(8, "k", 60, 70, 9, "seen", 9)
            .history()
            .operations();
    private final UnknownWriteRules rules = new UnknownWriteRules(ops);

    @Test
    void interchangeableWritesFormChainsInTheOrderSent() {
        assertThat(rules.chains()).isEqualTo(3); // unseen puts, deletes, compare-and-sets expecting 9
        assertThat(rules.chainOf(0)).isNegative();
        assertThat(rules.chainOf(3)).as("a write a read saw is one of a kind").isNegative();
        int puts = rules.chainOf(1);
        assertThat(rules.chainOf(2)).isEqualTo(puts);
        assertThat(rules.nextInChain(puts, 0)).isEqualTo(2); // sent at 20, before #1 at 30
        assertThat(rules.nextInChain(puts, 1)).isEqualTo(1);
        assertThat(rules.nextInChain(puts, 2)).isNegative();
        assertThat(rules.nextInChain(rules.chainOf(4), 0)).isEqualTo(5);
    }

    @Test
    void aWriteAReadSawMustTakeEffectBeforeThatReadCompletes() {
        assertThat(rules.returnTime(3)).isEqualTo(70);
        assertThat(rules.returnTime(1)).isEqualTo(Long.MAX_VALUE);
        assertThat(rules.returnTime(0)).isEqualTo(10);
        assertThat(rules.isUnseen(1)).isTrue();
        assertThat(rules.isUnseen(3)).isFalse();
    }

    @Test
    void onlyTheEarliestSentUnplacedWriteOfAChainIsNextInLine() {
        BitSet placed = new BitSet();
        assertThat(rules.isTurnOf(2, placed)).isTrue();
        assertThat(rules.isTurnOf(1, placed)).as("#2 was sent first").isFalse();
        assertThat(rules.isTurnOf(6, placed)).as("alone in its chain").isTrue();
        assertThat(rules.isTurnOf(0, placed)).as("in no chain").isTrue();
        placed.set(2);
        assertThat(rules.isTurnOf(1, placed)).isTrue();
    }

    @Test
    void anUnknownWriteIsFollowedBySomethingThatLooks() {
        assertThat(rules.mayFollow(-1, 1)).isTrue();
        assertThat(rules.mayFollow(0, 1)).isTrue();
        assertThat(rules.mayFollow(1, 7)).as("a read").isTrue();
        assertThat(rules.mayFollow(1, 0)).as("a put would hide it").isFalse();
        assertThat(rules.mayFollow(3, 4)).as("a delete would hide it").isFalse();
        assertThat(rules.mayFollow(1, 6))
                .as("an unseen compare-and-set adds nothing to an unknown revision")
                .isFalse();
        assertThat(rules.mayFollow(4, 6))
                .as("but after a delete it may make the key exist")
                .isTrue();
    }

    @Test
    void fewerWritesPlacedLeaveAtLeastAsMuch() {
        int puts = rules.chainOf(1);
        int deletes = rules.chainOf(4);
        int cas = rules.chainOf(6);
        int[] none = new int[3];
        int[] onePut = new int[3];
        onePut[puts] = 1;
        int[] oneCas = new int[3];
        oneCas[cas] = 1;
        int[] oneDelete = new int[3];
        oneDelete[deletes] = 1;
        assertThat(rules.leavesAtLeastAsMuch(none, onePut)).isTrue();
        assertThat(rules.leavesAtLeastAsMuch(onePut, none)).isFalse();
        assertThat(rules.leavesAtLeastAsMuch(oneCas, onePut))
                .as("a put left can stand in for the CAS")
                .isTrue();
        assertThat(rules.leavesAtLeastAsMuch(onePut, oneCas))
                .as("a CAS cannot stand in for a put")
                .isFalse();
        assertThat(rules.leavesAtLeastAsMuch(oneCas, oneDelete)).isFalse();
    }
}
