package io.armada.raft.transport.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.armada.raft.transport.Transport;
import io.armada.raft.transport.memory.InMemoryNetwork;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Three nodes on a synchronous in-memory network, each behind a fault-injecting wrapper. */
class FaultInjectingTransportTest {
    private record Received(long from, long to, long group, int seq) {}

    private final FaultPlan plan = new FaultPlan();
    private final ManualScheduler scheduler = new ManualScheduler();
    private final List<Received> received = new ArrayList<>();
    private final Map<Long, FaultInjectingTransport> nodes = new HashMap<>();

    private void startNodes(long seed) {
        InMemoryNetwork network = InMemoryNetwork.synchronous();
        SplittableRandom seeds = new SplittableRandom(seed);
        for (long id = 1; id <= 3; id++) {
            long to = id;
            FaultInjectingTransport node =
                    new FaultInjectingTransport(id, network.transport(id), plan, seeds.split(), scheduler);
            node.start((from, group, m) -> received.add(
                    new Received(from, to, group, ByteBuffer.wrap(m).getInt())));
            nodes.put(id, node);
        }
    }

    private FaultInjectingTransport node(long id) {
        return nodes.get(id);
    }

    private boolean send(long from, long to, long group, int seq) {
        return node(from).send(to, group, ByteBuffer.allocate(4).putInt(seq).array());
    }

    private List<Integer> seqs(long from, long to) {
        return received.stream()
                .filter(r -> r.from() == from && r.to() == to)
                .map(Received::seq)
                .toList();
    }

    @Test
    void aPartitionCutsExactlyTheLinksBetweenItsSides() {
        startNodes(1);
        plan.partition(Set.of(1L), Set.of(2L, 3L));
        for (long from = 1; from <= 3; from++) {
            for (long to = 1; to <= 3; to++) {
                if (from != to) {
                    boolean crossesPartition = from == 1 || to == 1;
                    assertThat(send(from, to, 5, 0)).as("%d -> %d", from, to).isEqualTo(!crossesPartition);
                    assertThat(seqs(from, to)).as("%d -> %d", from, to).hasSize(crossesPartition ? 0 : 1);
                }
            }
        }
        plan.heal();
        assertThat(send(1, 2, 5, 1)).isTrue();
        assertThat(send(3, 1, 5, 1)).isTrue();
        assertThat(seqs(1, 2)).containsExactly(1);
        assertThat(seqs(3, 1)).containsExactly(1);
        assertThat(node(1).stats().blocked()).isEqualTo(2);
    }

    @Test
    void aCutIsDirectedAndAGroupRuleTouchesOnlyItsGroup() {
        startNodes(1);
        plan.cut(1, 2);
        assertThat(send(1, 2, 5, 0)).isFalse();
        assertThat(send(2, 1, 5, 0)).isTrue();
        plan.heal();

        plan.setLinkGroup(1, 2, 5, LinkFaults.BLOCKED);
        assertThat(send(1, 2, 5, 1)).isFalse();
        assertThat(send(1, 2, 6, 1)).isTrue();
        assertThat(send(1, 3, 5, 1)).isTrue();
        assertThat(send(2, 1, 5, 1)).isTrue();
        assertThat(seqs(1, 2)).containsExactly(1);
        assertThat(seqs(2, 1)).containsExactly(0, 1);
    }

    @Test
    void theMostSpecificRuleWins() {
        plan.setDefault(LinkFaults.NONE.dropping(0.1));
        plan.setLink(1, 2, LinkFaults.NONE.dropping(0.2));
        plan.setGroup(7, LinkFaults.NONE.dropping(0.3));
        plan.setLinkGroup(1, 2, 7, LinkFaults.NONE.dropping(0.4));
        assertThat(plan.faultsFor(1, 2, 7).dropRate()).isEqualTo(0.4);
        assertThat(plan.faultsFor(2, 1, 7).dropRate()).isEqualTo(0.3);
        assertThat(plan.faultsFor(1, 2, 8).dropRate()).isEqualTo(0.2);
        assertThat(plan.faultsFor(2, 1, 8).dropRate()).isEqualTo(0.1);
        plan.cut(1, 2);
        assertThat(plan.faultsFor(1, 2, 7).blocked()).isTrue();
    }

    @Test
    void dropsFollowTheRateAndReplayExactlyFromTheSeed() {
        List<Integer> first = runWithDrops(42);
        List<Integer> again = runWithDrops(42);
        List<Integer> otherSeed = runWithDrops(43);
        assertThat(first).isEqualTo(again);
        assertThat(first).isNotEqualTo(otherSeed);
        // 10,000 messages at 30% loss: 7,000 expected, a binomial sd of ~46.
        assertThat(first.size()).isBetween(6_800, 7_200);
        // Losses are silent: send still said yes, and what arrives keeps its order.
        assertThat(first).isSorted();
    }

    private List<Integer> runWithDrops(long seed) {
        received.clear();
        nodes.clear();
        plan.reset();
        startNodes(seed);
        plan.setLink(1, 2, LinkFaults.NONE.dropping(0.3));
        for (int i = 0; i < 10_000; i++) {
            assertThat(send(1, 2, 1, i)).isTrue();
        }
        assertThat(node(1).stats().dropped()).isEqualTo(10_000 - seqs(1, 2).size());
        return seqs(1, 2);
    }

    @Test
    void duplicatesFollowTheRate() {
        startNodes(7);
        plan.setLink(1, 2, LinkFaults.NONE.duplicating(0.2));
        for (int i = 0; i < 10_000; i++) {
            send(1, 2, 1, i);
        }
        List<Integer> got = seqs(1, 2);
        long duplicated = node(1).stats().duplicated();
        assertThat(got).hasSize(10_000 + (int) duplicated);
        assertThat(duplicated).isBetween(1_800L, 2_200L);
        assertThat(got.stream().distinct().count()).isEqualTo(10_000);
    }

    @Test
    void delaysHoldMessagesUntilTheManualClockReachesThem() {
        startNodes(3);
        plan.setLink(1, 2, LinkFaults.NONE.delaying(100, 50));
        for (int i = 0; i < 100; i++) {
            assertThat(send(1, 2, 1, i)).isTrue();
        }
        assertThat(send(1, 3, 1, 0)).isTrue();
        assertThat(seqs(1, 3)).as("other links are not delayed").containsExactly(0);
        scheduler.advance(99);
        assertThat(seqs(1, 2)).isEmpty();
        scheduler.advance(1);
        int atHundred = seqs(1, 2).size();
        scheduler.advance(50);
        assertThat(seqs(1, 2)).hasSize(100);
        assertThat(scheduler.pendingTasks()).isZero();
        // Jitter in [0, 50]: about 1 in 51 messages has none.
        assertThat(atHundred).isBetween(1, 20);
    }

    @Test
    void reorderingLetsLaterMessagesOvertakeHeldOnes() {
        startNodes(11);
        plan.setLink(1, 2, LinkFaults.NONE.reordering(0.25, 10));
        for (int i = 0; i < 200; i++) {
            send(1, 2, 1, i);
        }
        long reordered = node(1).stats().reordered();
        assertThat(seqs(1, 2)).hasSize(200 - (int) reordered);
        scheduler.advance(10);
        List<Integer> got = seqs(1, 2);
        assertThat(got).hasSize(200).doesNotHaveDuplicates();
        assertThat(got).isNotEqualTo(got.stream().sorted().toList());
        assertThat(reordered).isBetween(30L, 70L);
    }

    @Test
    void aMessageInFlightWhenTheLinkIsCutIsLost() {
        startNodes(5);
        plan.setLink(1, 2, LinkFaults.NONE.delaying(10, 0));
        assertThat(send(1, 2, 1, 0)).isTrue();
        plan.cut(1, 2);
        scheduler.advance(10);
        assertThat(seqs(1, 2)).isEmpty();
        assertThat(node(1).stats().blocked()).isEqualTo(1);
    }

    @Test
    void ratesAndDelaysAreValidatedByName() {
        assertThatThrownBy(() -> LinkFaults.NONE.dropping(1.5)).hasMessageContaining("dropRate");
        assertThatThrownBy(() -> LinkFaults.NONE.delaying(-1, 0)).hasMessageContaining("delayMillis");
        assertThatThrownBy(() -> LinkFaults.NONE.reordering(0.5, 0)).hasMessageContaining("reorderDelayMillis");
        assertThatThrownBy(() -> plan.partition(Set.of(1L), Set.of(1L, 2L))).hasMessageContaining("both sides");
    }

    @Test
    void aWrappedTransportThatIsClosedSendsNothingMoreEvenFromItsDelayQueue() {
        startNodes(9);
        plan.setLink(1, 2, LinkFaults.NONE.delaying(5, 0));
        send(1, 2, 1, 0);
        Transport one = node(1);
        one.close();
        scheduler.advance(5);
        assertThat(seqs(1, 2)).isEmpty();
        assertThat(send(1, 2, 1, 1)).isFalse();
    }
}
