package io.armada.raft.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.armada.raft.RaftConfig;
import io.armada.raft.RaftRole;
import io.armada.raft.log.LogStore;
import io.armada.raft.log.LogStoreOptions;
import io.armada.raft.transport.memory.InMemoryNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three engines in one JVM on a loopback network, with real RocksDB log stores. */
class RaftEngineTest {
    private static final List<Long> NODES = List.of(1L, 2L, 3L);
    private static final Duration WAIT = Duration.ofSeconds(30);

    @TempDir
    Path dir;

    private final InMemoryNetwork network = InMemoryNetwork.singleThreaded();
    private final Map<Long, Node> nodes = new HashMap<>();
    private final List<Throwable> fatalErrors = new ArrayList<>();
    private EngineConfig engineConfig = EngineConfig.defaults().withTickMillis(10);

    private final class Node {
        final long id;
        final LogStore logStore;
        final RaftEngine engine;
        final io.armada.raft.transport.Transport transport;
        final Map<Long, RecordingStateMachine> machines = new ConcurrentHashMap<>();

        Node(long id) {
            this.id = id;
            this.logStore =
                    LogStore.open(dir.resolve("n" + id).resolve("log"), LogStoreOptions.defaults(), fatalErrors::add);
            this.transport = network.transport(id);
            this.engine =
                    new RaftEngine(id, engineConfig, RaftConfig.defaults(), logStore, transport, fatalErrors::add);
            engine.start();
        }

        void open(long groupId) {
            RecordingStateMachine sm =
                    new RecordingStateMachine(dir.resolve("n" + id).resolve("g" + groupId));
            machines.put(groupId, sm);
            engine.openGroup(groupId, NODES, sm).join();
        }

        void stop() {
            engine.close();
            transport.close(); // the engine does not own it
            logStore.close();
        }
    }

    private void startAll(long... groups) {
        for (long id : NODES) {
            Node n = new Node(id);
            nodes.put(id, n);
            for (long g : groups) {
                n.open(g);
            }
        }
    }

    @AfterEach
    void tearDown() {
        nodes.values().forEach(Node::stop);
        network.close();
        assertThat(fatalErrors).isEmpty();
    }

    private long awaitLeader(long groupId) {
        long[] leader = new long[1];
        await().atMost(WAIT).until(() -> {
            for (Node n : nodes.values()) {
                var s = n.engine.status(groupId);
                if (s.isPresent() && s.get().role() == RaftRole.LEADER) {
                    leader[0] = n.id;
                    return true;
                }
            }
            return false;
        });
        return leader[0];
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private List<AppliedProposal> proposeAll(long groupId, long leader, int count, String prefix) {
        List<CompletableFuture<AppliedProposal>> futures = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            futures.add(nodes.get(leader).engine.propose(groupId, bytes(prefix + i)));
        }
        return futures.stream()
                .map(f -> f.orTimeout(30, TimeUnit.SECONDS).join())
                .toList();
    }

    @Test
    void everyGroupElectsALeaderAndEveryNodeAppliesTheSameSequence() {
        startAll(1, 2, 3);
        for (long g = 1; g <= 3; g++) {
            long leader = awaitLeader(g);
            List<AppliedProposal> acks = proposeAll(g, leader, 200, "g" + g + "-");
            assertThat(acks).extracting(AppliedProposal::index).isSorted().doesNotHaveDuplicates();
            long group = g;
            List<String> expected = java.util.stream.IntStream.range(0, 200)
                    .mapToObj(i -> "g" + group + "-" + i)
                    .toList();
            await().atMost(WAIT).untilAsserted(() -> {
                for (Node n : nodes.values()) {
                    assertThat(n.machines.get(group).applied()).containsExactlyElementsOf(expected);
                }
            });
        }
        EngineStats.Snapshot stats =
                nodes.values().iterator().next().engine.stats().snapshot();
        assertThat(stats.syncs()).isPositive();
        assertThat(stats.entriesPersisted()).isGreaterThanOrEqualTo(600);
    }

    /**
     * A state machine is told which entries a proposer on its node waits for: the leader's own
     * proposals there, none on the followers, which answer nobody (so a table builds no read result
     * for them).
     */
    @Test
    void onlyTheProposingNodeIsToldAClientAwaitsAnEntry() {
        startAll(6);
        long leader = awaitLeader(6);
        proposeAll(6, leader, 20, "w");
        List<String> expected =
                java.util.stream.IntStream.range(0, 20).mapToObj(i -> "w" + i).toList();
        await().atMost(WAIT).untilAsserted(() -> {
            for (Node n : nodes.values()) {
                assertThat(n.machines.get(6L).applied()).containsExactlyElementsOf(expected);
            }
        });
        for (Node n : nodes.values()) {
            assertThat(n.machines.get(6L).awaited())
                    .as("node %d", n.id)
                    .isEqualTo(n.id == leader ? expected : List.of());
        }
    }

    @Test
    void aFollowerRefusesProposalsAndNamesTheLeader() {
        startAll(7);
        long leader = awaitLeader(7);
        proposeAll(7, leader, 1, "x"); // the leader's term has a committed entry, so everyone knows it
        long follower = NODES.stream().filter(id -> id != leader).findFirst().orElseThrow();
        await().atMost(WAIT)
                .until(() -> nodes.get(follower).engine.status(7).orElseThrow().leaderId() == leader);

        assertThatThrownBy(() ->
                        nodes.get(follower).engine.propose(7, bytes("nope")).join())
                .isInstanceOf(CompletionException.class)
                .cause()
                .isInstanceOfSatisfying(RaftException.class, e -> {
                    assertThat(e.kind()).isEqualTo(RaftException.Kind.NOT_LEADER);
                    assertThat(e.leaderHint()).isEqualTo(leader);
                });
    }

    @Test
    void readIndexOnAnyNodeCoversEveryAcknowledgedWrite() {
        startAll(3);
        long leader = awaitLeader(3);
        List<AppliedProposal> acks = proposeAll(3, leader, 50, "r");
        long lastAck = acks.get(acks.size() - 1).index();
        for (long id : NODES) {
            long readIndex = nodes.get(id)
                    .engine
                    .readIndex(3)
                    .orTimeout(30, TimeUnit.SECONDS)
                    .join();
            assertThat(readIndex).isGreaterThanOrEqualTo(lastAck);
            assertThat(nodes.get(id).machines.get(3L).applied()).hasSizeGreaterThanOrEqualTo(50);
        }
    }

    @Test
    void aGroupThatLosesItsLeaderElectsAnotherAndLosesNoAcknowledgedEntry() {
        startAll(5);
        long leader = awaitLeader(5);
        proposeAll(5, leader, 100, "a");
        network.isolate(leader);
        await().atMost(WAIT)
                .until(() -> NODES.stream()
                        .filter(id -> id != leader)
                        .anyMatch(id ->
                                nodes.get(id).engine.status(5).orElseThrow().role() == RaftRole.LEADER));
        long newLeader = NODES.stream()
                .filter(id -> id != leader)
                .filter(id -> nodes.get(id).engine.status(5).orElseThrow().role() == RaftRole.LEADER)
                .findFirst()
                .orElseThrow();
        proposeAll(5, newLeader, 100, "b");
        network.heal(leader);
        await().atMost(WAIT).untilAsserted(() -> {
            for (Node n : nodes.values()) {
                List<String> applied = n.machines.get(5L).applied();
                assertThat(applied).hasSize(200);
                assertThat(applied.subList(0, 100)).allMatch(s -> s.startsWith("a"));
            }
        });
    }

    @Test
    void aRestartedNodeRecoversItsLogAndCatchesUp() {
        startAll(9);
        long leader = awaitLeader(9);
        proposeAll(9, leader, 100, "before");
        long victim = NODES.stream().filter(id -> id != leader).findFirst().orElseThrow();
        await().atMost(WAIT)
                .until(() -> nodes.get(victim).machines.get(9L).applied().size() == 100);
        nodes.remove(victim).stop();

        proposeAll(9, leader, 100, "during");
        Node restarted = new Node(victim);
        nodes.put(victim, restarted);
        restarted.open(9);
        await().atMost(WAIT)
                .untilAsserted(() -> assertThat(restarted.machines.get(9L).applied())
                        .hasSize(200)
                        .startsWith("before0")
                        .endsWith("during99"));
    }

    @Test
    void aNodeBehindTheCompactedLogCatchesUpBySnapshot() {
        engineConfig = engineConfig.withSnapshots(50, 10);
        startAll(4);
        long leader = awaitLeader(4);
        long laggard = NODES.stream().filter(id -> id != leader).findFirst().orElseThrow();
        network.isolate(laggard);
        proposeAll(4, leader, 300, "s");
        await().atMost(WAIT).until(() -> nodes.get(leader).logStore.firstIndex(4) > 1);
        network.heal(laggard);
        await().atMost(WAIT).untilAsserted(() -> {
            RecordingStateMachine sm = nodes.get(laggard).machines.get(4L);
            assertThat(sm.applied()).hasSize(300);
            assertThat(sm.installs()).as("snapshots installed from the leader").isPositive();
        });
        assertThat(Set.copyOf(nodes.get(laggard).machines.get(4L).applied())).hasSize(300);
    }

    @Test
    void heartbeatsOfManyGroupsTravelCoalescedAndKeepEveryLeader() {
        long[] groups = java.util.stream.LongStream.rangeClosed(1, 40).toArray();
        startAll(groups);
        for (long g : groups) {
            awaitLeader(g);
        }
        long leaderChanges = nodes.values().stream()
                .mapToLong(n -> n.engine.stats().snapshot().leaderChanges())
                .sum();
        long coalesced = nodes.values().stream()
                .mapToLong(n -> n.engine.stats().snapshot().heartbeatsCoalesced())
                .sum();
        // many heartbeat intervals pass with the heartbeats in shared frames...
        await().atMost(WAIT)
                .until(() -> nodes.values().stream()
                                .mapToLong(n -> n.engine.stats().snapshot().heartbeatsCoalesced())
                                .sum()
                        > coalesced + 2_000);
        // ...and they still reach every follower: no group lost its leader meanwhile
        assertThat(nodes.values().stream()
                        .mapToLong(n -> n.engine.stats().snapshot().leaderChanges())
                        .sum())
                .isEqualTo(leaderChanges);
        long g = groups[groups.length - 1];
        assertThat(proposeAll(g, awaitLeader(g), 5, "x")).hasSize(5);
    }
}
