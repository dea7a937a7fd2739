package io.armada.raft.transport.memory;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.armada.raft.transport.Transport;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class InMemoryNetworkTest {
    private final ExecutorService executor = Executors.newFixedThreadPool(4);

    @AfterEach
    void tearDown() {
        executor.shutdownNow();
    }

    private record Received(long from, long group, byte[] message) {}

    @Test
    void synchronousDeliveryHappensInsideSendInOrder() {
        InMemoryNetwork network = InMemoryNetwork.synchronous();
        List<Received> atTwo = new ArrayList<>();
        Transport one = network.transport(1);
        Transport two = network.transport(2);
        one.start((from, group, m) -> {});
        two.start((from, group, m) -> atTwo.add(new Received(from, group, m)));

        for (int i = 0; i < 5; i++) {
            assertThat(one.send(2, 7, new byte[] {(byte) i})).isTrue();
            // Delivered before send returned.
            assertThat(atTwo).hasSize(i + 1);
        }
        assertThat(atTwo).extracting(r -> r.message()[0]).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3, (byte)
                4);
        assertThat(atTwo).allMatch(r -> r.from() == 1 && r.group() == 7);
        assertThat(network.deliveredMessages()).isEqualTo(5);
    }

    @Test
    void messagesAreCopiedSoTheSenderCannotChangeWhatWasSent() {
        InMemoryNetwork network = InMemoryNetwork.synchronous();
        List<byte[]> atTwo = new ArrayList<>();
        Transport one = network.transport(1);
        network.transport(2).start((from, group, m) -> atTwo.add(m));
        one.start((from, group, m) -> {});
        byte[] message = {1, 2, 3};
        one.send(2, 1, message);
        message[0] = 9;
        assertThat(atTwo.getFirst()).containsExactly(1, 2, 3);
    }

    @Test
    void executorDeliveryKeepsEachSendersOrderUnderConcurrentSenders() throws Exception {
        InMemoryNetwork network = InMemoryNetwork.deliveringOn(executor, 100_000);
        Map<Long, List<Integer>> bySender = new ConcurrentHashMap<>();
        network.transport(0)
                .start((from, group, m) -> bySender.computeIfAbsent(from, f -> new CopyOnWriteArrayList<>())
                        .add(ByteBuffer.wrap(m).getInt()));
        List<Future<?>> senders = new ArrayList<>();
        for (long id = 1; id <= 4; id++) {
            Transport sender = network.transport(id);
            sender.start((from, group, m) -> {});
            senders.add(executor.submit(() -> {
                for (int i = 0; i < 2_000; i++) {
                    assertThat(sender.send(
                                    0, 1, ByteBuffer.allocate(4).putInt(i).array()))
                            .isTrue();
                }
            }));
        }
        for (Future<?> f : senders) {
            f.get(30, TimeUnit.SECONDS);
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> network.deliveredMessages() == 8_000);
        List<Integer> expected =
                java.util.stream.IntStream.range(0, 2_000).boxed().toList();
        for (long id = 1; id <= 4; id++) {
            assertThat(bySender.get(id)).containsExactlyElementsOf(expected);
        }
    }

    @Test
    void aFullMailboxRefusesAndDeliversWhatItHeldOnceDrained() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch blocked = new CountDownLatch(1);
        InMemoryNetwork network = InMemoryNetwork.deliveringOn(executor, 3);
        List<Byte> atTwo = new CopyOnWriteArrayList<>();
        network.transport(2).start((from, group, m) -> {
            blocked.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            atTwo.add(m[0]);
        });
        Transport one = network.transport(1);
        one.start((from, group, m) -> {});

        assertThat(one.send(2, 1, new byte[] {0})).isTrue();
        assertThat(blocked.await(10, TimeUnit.SECONDS)).isTrue();
        // Message 0 is being handled; three more fill the mailbox.
        assertThat(one.send(2, 1, new byte[] {1})).isTrue();
        assertThat(one.send(2, 1, new byte[] {2})).isTrue();
        assertThat(one.send(2, 1, new byte[] {3})).isTrue();
        assertThat(one.send(2, 1, new byte[] {4})).isFalse();
        release.countDown();
        await().atMost(Duration.ofSeconds(10)).until(() -> atTwo.size() == 4);
        assertThat(atTwo).containsExactly((byte) 0, (byte) 1, (byte) 2, (byte) 3);
        assertThat(network.droppedMessages()).isEqualTo(1);
    }

    @Test
    void sendsToUnknownOrClosedNodesAndFromClosedTransportsAreRefused() {
        InMemoryNetwork network = InMemoryNetwork.synchronous();
        Transport one = network.transport(1);
        Transport two = network.transport(2);
        one.start((from, group, m) -> {});
        assertThat(one.send(2, 1, new byte[0])).as("not started yet").isFalse();
        two.start((from, group, m) -> {});
        assertThat(one.send(2, 1, new byte[0])).isTrue();
        assertThat(one.send(3, 1, new byte[0])).as("unknown").isFalse();
        two.close();
        assertThat(one.send(2, 1, new byte[0])).as("receiver closed").isFalse();
        one.close();
        Transport newTwo = network.transport(2);
        List<byte[]> atNewTwo = new ArrayList<>();
        newTwo.start((from, group, m) -> atNewTwo.add(m));
        assertThat(one.send(2, 1, new byte[0])).as("sender closed").isFalse();
        assertThat(atNewTwo).isEmpty();
    }

    @Test
    void aNodeIdCanBeOnTheNetworkOnlyOnceAndATransportStartsOnce() {
        InMemoryNetwork network = InMemoryNetwork.synchronous();
        Transport first = network.transport(1);
        first.start((from, group, m) -> {});
        assertThatThrownBy(() -> network.transport(1).start((from, group, m) -> {}))
                .isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> first.start((from, group, m) -> {})).isInstanceOf(IllegalStateException.class);
    }
}
