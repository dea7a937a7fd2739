package io.armada.raft.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.armada.raft.transport.tls.SelfSignedCertificates;
import io.armada.raft.transport.tls.TlsMaterial;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real QUIC over 127.0.0.1 between transports in one JVM. */
class QuicTransportTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private final QuicTestCluster cluster = new QuicTestCluster(1, 2, 3);

    @TempDir
    Path dir;

    @AfterEach
    void tearDown() {
        cluster.close();
    }

    private static byte[] text(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static void awaitConnected(QuicTransport transport, long... peers) {
        await().atMost(WAIT).until(() -> Arrays.stream(peers).allMatch(transport::isConnected));
    }

    @Test
    void threeNodesExchangeMessagesInEveryDirection() {
        RecordingHandler[] handlers = {new RecordingHandler(), new RecordingHandler(), new RecordingHandler()};
        // Acceptors first (the lower id dials), so no first dial goes to a port nobody listens on yet.
        // Node 3 reads its TLS material from PEM files, as a configured node would.
        TlsMaterial.PemFiles pem = QuicTestCluster.AUTHORITY.writeNode(QuicTestCluster.CLUSTER, 3, dir.resolve("tls"));
        QuicTransport three = cluster.start(cluster.config(3, pem, QuicTestCluster.testLimits()), handlers[2]);
        QuicTransport two = cluster.start(2, handlers[1]);
        List<QuicTransport> nodes = List.of(cluster.start(1, handlers[0]), two, three);
        awaitConnected(nodes.get(0), 2, 3);
        awaitConnected(nodes.get(1), 1, 3);
        awaitConnected(nodes.get(2), 1, 2);

        for (long from = 1; from <= 3; from++) {
            for (long to = 1; to <= 3; to++) {
                for (int i = 0; i < 10 && from != to; i++) {
                    assertThat(nodes.get((int) from - 1).send(to, 7, text(from + "->" + to + "#" + i)))
                            .isTrue();
                }
            }
        }
        for (long to = 1; to <= 3; to++) {
            RecordingHandler handler = handlers[(int) to - 1];
            await().atMost(WAIT).until(() -> handler.count() == 20);
            for (long from = 1; from <= 3; from++) {
                if (from != to) {
                    List<String> expected = new ArrayList<>();
                    for (int i = 0; i < 10; i++) {
                        expected.add(from + "->" + to + "#" + i);
                    }
                    assertThat(handler.texts(from, 7)).containsExactlyElementsOf(expected);
                }
            }
        }
        PeerStats oneToTwo = nodes.get(0).stats().peer(2);
        assertThat(oneToTwo.sentMessages()).isEqualTo(10);
        assertThat(oneToTwo.receivedMessages()).isEqualTo(10);
        assertThat(oneToTwo.droppedMessages()).isZero();
        assertThat(oneToTwo.connections()).isEqualTo(1);
        assertThat(nodes.get(1).stats().peer(1).connections()).isEqualTo(1);
    }

    @Test
    void thousandsOfGroupsFromConcurrentSendersKeepPerGroupOrder() throws Exception {
        int groups = 2_000;
        int perGroup = 5;
        int threads = 4;
        Map<Long, List<Integer>> atTwo = new ConcurrentHashMap<>();
        Map<Long, List<Integer>> atOne = new ConcurrentHashMap<>();
        QuicTransport two = cluster.start(
                2,
                (from, group, m) -> atTwo.computeIfAbsent(group, g -> new CopyOnWriteArrayList<>())
                        .add(ByteBuffer.wrap(m).getInt()));
        QuicTransport one = cluster.start(
                1,
                (from, group, m) -> atOne.computeIfAbsent(group, g -> new CopyOnWriteArrayList<>())
                        .add(ByteBuffer.wrap(m).getInt()));
        awaitConnected(one, 2);
        awaitConnected(two, 1);

        ExecutorService senders = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Boolean>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                // Each group has one sending thread per direction; threads interleave groups.
                done.add(senders.submit(() -> {
                    boolean allAccepted = true;
                    for (int seq = 0; seq < perGroup; seq++) {
                        for (long group = thread; group < groups; group += threads) {
                            byte[] m = ByteBuffer.allocate(64).putInt(seq).array();
                            allAccepted &= one.send(2, group, m);
                            allAccepted &= two.send(1, group, m.clone());
                        }
                    }
                    return allAccepted;
                }));
            }
            for (Future<Boolean> f : done) {
                assertThat(f.get(60, TimeUnit.SECONDS)).isTrue();
            }
        } finally {
            senders.shutdownNow();
        }
        List<Integer> expected = List.of(0, 1, 2, 3, 4);
        await().atMost(WAIT).until(() -> total(atTwo) == groups * perGroup && total(atOne) == groups * perGroup);
        for (long group = 0; group < groups; group++) {
            assertThat(atTwo.get(group)).as("group %d at node 2", group).containsExactlyElementsOf(expected);
            assertThat(atOne.get(group)).as("group %d at node 1", group).containsExactlyElementsOf(expected);
        }
    }

    private static int total(Map<Long, ? extends List<?>> received) {
        return received.values().stream().mapToInt(List::size).sum();
    }

    @Test
    void aLargeMessageOnOneGroupDoesNotDelaySmallMessagesOnAnother() throws InterruptedException {
        long bigGroup = 1;
        long smallGroup = 2;
        List<String> arrivals = new CopyOnWriteArrayList<>();
        List<byte[]> bigReceived = new CopyOnWriteArrayList<>();
        QuicTransport two = cluster.start(2, (from, group, m) -> {
            if (group == bigGroup) {
                bigReceived.add(m);
            }
            arrivals.add(group == bigGroup ? "big" : "small");
        });
        CountDownLatch paused = new CountDownLatch(1);
        CountDownLatch resume = new CountDownLatch(1);
        // Node 1's handler runs on the I/O thread that also writes node 1's messages to node 2;
        // holding it makes the big message and the small ones reach the writer in one batch, big first.
        QuicTransport one = cluster.start(1, (from, group, m) -> {
            paused.countDown();
            try {
                resume.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        awaitConnected(one, 2);
        awaitConnected(two, 1);
        assertThat(two.send(1, 99, text("pause"))).isTrue();
        assertThat(paused.await(30, TimeUnit.SECONDS)).isTrue();

        byte[] big = new byte[8 << 20];
        new SplittableRandom(8).nextBytes(big);
        assertThat(one.send(2, bigGroup, big)).isTrue();
        for (int i = 0; i < 100; i++) {
            assertThat(one.send(2, smallGroup, text("small " + i))).isTrue();
        }
        resume.countDown();
        await().atMost(WAIT).until(() -> arrivals.size() == 101);
        // On a shared stream the small messages would queue behind all 8 MiB; on their own stream
        // they overtake it: the big message needs thousands of packets, they need one.
        assertThat(arrivals.indexOf("big")).isEqualTo(100);
        assertThat(bigReceived.getFirst()).isEqualTo(big);
    }

    @Test
    void aLoneMessageLargerThanOneChunkIsWrittenToTheEndWithoutFurtherSends() {
        // Nothing else is sent, so only the transport's own write loop can finish the message.
        QuicTransportLimits limits = QuicTestCluster.testLimits().withWriteChunkBytes(1024);
        RecordingHandler atTwo = new RecordingHandler();
        cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), limits), atTwo);
        QuicTransport one = cluster.start(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), limits),
                new RecordingHandler());
        awaitConnected(one, 2);
        byte[] message = new byte[300 * 1024];
        new SplittableRandom(3).nextBytes(message);
        assertThat(one.send(2, 1, message)).isTrue();
        await().atMost(WAIT).until(() -> atTwo.count() == 1);
        assertThat(atTwo.received.getFirst().message()).isEqualTo(message);
    }

    @Test
    void messagesOfEverySizeArriveIntactWhenSlicedIntoChunks() {
        // Chunks are cut wherever stream credit ends, so frames - length prefixes included - are
        // split at arbitrary points; a small chunk size makes that happen often.
        QuicTransportLimits limits = QuicTestCluster.testLimits().withWriteChunkBytes(1024);
        Map<Long, List<byte[]>> received = new ConcurrentHashMap<>();
        cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), limits),
                (from, group, m) -> received.computeIfAbsent(group, g -> new CopyOnWriteArrayList<>())
                        .add(m));
        QuicTransport one = cluster.start(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), limits),
                new RecordingHandler());
        awaitConnected(one, 2);

        SplittableRandom random = new SplittableRandom(42);
        Map<Long, List<byte[]>> sent = new java.util.HashMap<>();
        for (int i = 0; i < 300; i++) {
            long group = random.nextInt(3);
            int size = random.nextInt(4) == 0 ? random.nextInt(200_000) : random.nextInt(10);
            byte[] m = new byte[size];
            random.nextBytes(m);
            sent.computeIfAbsent(group, g -> new ArrayList<>()).add(m);
            assertThat(one.send(2, group, m.clone())).isTrue();
        }
        await().atMost(WAIT).until(() -> total(received) == 300);
        sent.forEach((group, messages) -> assertThat(received.get(group))
                .as("group %d", group)
                .usingElementComparator(java.util.Arrays::compare)
                .containsExactlyElementsOf(messages));
    }

    @Test
    void deliveryResumesWhenTheAcceptingPeerRestarts() {
        RecordingHandler atOne = new RecordingHandler();
        RecordingHandler atTwo = new RecordingHandler();
        QuicTransport two = cluster.start(2, atTwo);
        QuicTransport one = cluster.start(1, atOne);
        awaitConnected(one, 2);
        assertThat(one.send(2, 9, text("before"))).isTrue();
        await().atMost(WAIT).until(() -> atTwo.count() == 1);

        two.close();
        await().atMost(WAIT).until(() -> !one.isConnected(2));
        assertThat(one.send(2, 9, text("while down"))).isFalse();

        RecordingHandler atNewTwo = new RecordingHandler();
        QuicTransport newTwo = cluster.start(2, atNewTwo);
        awaitConnected(one, 2);
        awaitConnected(newTwo, 1);
        assertThat(one.send(2, 9, text("after"))).isTrue();
        assertThat(newTwo.send(1, 9, text("reply"))).isTrue();
        await().atMost(WAIT).until(() -> atNewTwo.count() == 1 && atOne.count() == 1);
        assertThat(atNewTwo.texts(1, 9)).containsExactly("after");
        assertThat(atOne.texts(2, 9)).containsExactly("reply");
        assertThat(one.stats().peer(2).connections()).isEqualTo(2);
    }

    @Test
    void aDialerStartedBeforeItsPeerKeepsTryingAndConnectsOnceThePeerIsUp() {
        QuicTransport one = cluster.start(1, new RecordingHandler());
        // Each attempt is abandoned after the connect timeout and retried with backoff.
        await().atMost(WAIT).until(() -> one.stats().peer(2).failedDials() >= 2);
        assertThat(one.send(2, 1, text("too early"))).isFalse();
        RecordingHandler atTwo = new RecordingHandler();
        cluster.start(2, atTwo);
        awaitConnected(one, 2);
        assertThat(one.send(2, 1, text("now"))).isTrue();
        await().atMost(WAIT).until(() -> atTwo.count() == 1);
        assertThat(atTwo.texts(1, 1)).containsExactly("now");
    }

    @Test
    void aCrashedDialingPeerThatComesBackReplacesItsStaleConnection() {
        // A long idle timeout, so node 2 cannot notice the crash before node 1 is back.
        QuicTransportLimits slowIdle = QuicTestCluster.testLimits().withTimeouts(20_000, 200);
        RecordingHandler atOne = new RecordingHandler();
        QuicTransport two = cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), slowIdle),
                new RecordingHandler());
        QuicTransport one = cluster.start(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), slowIdle), atOne);
        awaitConnected(two, 1);

        // No goodbye: node 2 still holds the old connection when node 1 dials again.
        one.crash();
        assertThat(two.isConnected(1)).isTrue();
        RecordingHandler atNewOne = new RecordingHandler();
        QuicTransport newOne = cluster.start(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), slowIdle), atNewOne);
        await().atMost(WAIT).until(() -> two.stats().peer(1).connections() == 2);
        awaitConnected(newOne, 2);
        assertThat(two.send(1, 4, text("to the new node 1"))).isTrue();
        await().atMost(WAIT).until(() -> atNewOne.count() == 1);
        assertThat(atNewOne.texts(2, 4)).containsExactly("to the new node 1");
        assertThat(atOne.count()).isZero();
    }

    @Test
    void theDialerNoticesACrashedPeerByIdleTimeoutAndRedials() {
        QuicTransportLimits fastIdle = QuicTestCluster.testLimits().withTimeouts(1_000, 200);
        QuicTransport two = cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), fastIdle),
                new RecordingHandler());
        QuicTransport one = cluster.start(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), fastIdle),
                new RecordingHandler());
        awaitConnected(one, 2);

        two.crash();
        await().atMost(WAIT).until(() -> !one.isConnected(2));
        RecordingHandler atNewTwo = new RecordingHandler();
        cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), fastIdle), atNewTwo);
        awaitConnected(one, 2);
        assertThat(one.send(2, 3, text("again"))).isTrue();
        await().atMost(WAIT).until(() -> atNewTwo.count() == 1);
    }

    @Test
    void aQuietConnectionStaysUpBeyondTheIdleTimeoutThanksToKeepAlive() {
        QuicTransportLimits fastIdle = QuicTestCluster.testLimits().withTimeouts(1_500, 150);
        QuicTransport two = cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), fastIdle),
                new RecordingHandler());
        QuicTransport one = cluster.start(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), fastIdle),
                new RecordingHandler());
        awaitConnected(one, 2);
        awaitConnected(two, 1);
        long dialed = one.stats().peer(2).connections();
        long accepted = two.stats().peer(1).connections();
        long pingsBefore = keepAlivePings(one);
        // Wait on the dialer's own clock (its pings, every 150 ms) for over twice the 1.5 s idle
        // timeout; had the connection idled out, the dialer would have redialed and counted it.
        await().atMost(WAIT).until(() -> keepAlivePings(one) >= pingsBefore + 25);
        assertThat(one.stats().peer(2).connections()).isEqualTo(dialed);
        assertThat(two.stats().peer(1).connections()).isEqualTo(accepted);
        assertThat(one.isConnected(2)).isTrue();
        assertThat(two.isConnected(1)).isTrue();
    }

    private static long keepAlivePings(QuicTransport transport) {
        return transport.keepAlivePingsSent();
    }

    @Test
    void aPeerWithACertificateFromAnotherAuthorityIsRefused() {
        SelfSignedCertificates stranger = SelfSignedCertificates.newAuthority("stranger-ca");
        RecordingHandler atOne = new RecordingHandler();
        RecordingHandler atTwo = new RecordingHandler();
        QuicTransport one = cluster.start(1, atOne);
        QuicTransport two = cluster.start(
                cluster.config(2, stranger.issueNode(QuicTestCluster.CLUSTER, 2), QuicTestCluster.testLimits()), atTwo);

        await().atMost(WAIT).until(() -> one.stats().peer(2).failedDials() >= 3);
        assertThat(one.send(2, 1, text("hello?"))).isFalse();
        assertThat(two.send(1, 1, text("hello?"))).isFalse();
        assertThat(one.stats().peer(2).connections()).isZero();
        assertThat(two.stats().peer(1).connections()).isZero();
        assertThat(atOne.count()).isZero();
        assertThat(atTwo.count()).isZero();
    }

    @Test
    void aDialerWithACertificateFromAnotherAuthorityIsRefusedByTheAcceptor() {
        // Node 1 trusts the cluster authority (so it accepts node 2) but presents a stranger's certificate.
        TlsMaterial.Loaded strangerCert =
                SelfSignedCertificates.newAuthority("stranger-ca").issueNode(QuicTestCluster.CLUSTER, 1);
        TlsMaterial.Loaded mixed = new TlsMaterial.Loaded(
                strangerCert.privateKey(),
                strangerCert.certificateChain(),
                List.of(QuicTestCluster.AUTHORITY.authorityCertificate()));
        RecordingHandler atTwo = new RecordingHandler();
        QuicTransport two = cluster.start(2, atTwo);
        QuicTransport one =
                cluster.start(cluster.config(1, mixed, QuicTestCluster.testLimits()), new RecordingHandler());

        // TLS 1.3 lets the client finish first, so node 1 may think it is connected for a moment; keep
        // sending through several attempts and check that nothing ever arrives.
        await().atMost(WAIT).until(() -> {
            one.send(2, 1, text("let me in"));
            PeerStats stats = one.stats().peer(2);
            return stats.failedDials() + stats.connections() >= 3 && !one.isConnected(2);
        });
        assertThat(two.stats().peer(1).connections()).isZero();
        assertThat(two.isConnected(1)).isFalse();
        assertThat(atTwo.count()).isZero();
    }

    @Test
    void aNodeOfAnotherClusterWithACertificateFromTheSameAuthorityIsRefusedAndTheRealNodeKeepsWorking()
            throws Exception {
        RecordingHandler[] handlers = {new RecordingHandler(), new RecordingHandler(), new RecordingHandler()};
        QuicTransport three = cluster.start(3, handlers[2]);
        QuicTransport two = cluster.start(2, handlers[1]);
        QuicTransport one = cluster.start(1, handlers[0]);
        awaitConnected(one, 2, 3);
        awaitConnected(three, 1, 2);

        // Node 2 of cluster "other", certified by the same authority, configured with this cluster's addresses.
        InetSocketAddress foreignAddress = FreeUdpPorts.loopback(1).getFirst();
        RecordingHandler atForeign = new RecordingHandler();
        QuicTransport foreign = cluster.start(
                new QuicTransportConfig(
                        "other",
                        2,
                        foreignAddress,
                        Map.of(1L, cluster.addresses.get(1L), 3L, cluster.addresses.get(3L)),
                        QuicTestCluster.AUTHORITY.issueNode("other", 2),
                        QuicTestCluster.testLimits()),
                atForeign);
        await().atMost(WAIT)
                .until(() -> three.stats().rejectedConnections() >= 2
                        && foreign.stats().peer(3).dialAttempts() >= 2);

        assertThat(foreign.isConnected(3)).isFalse();
        assertThat(foreign.send(3, 9, text("I am node 2"))).isFalse();
        assertThat(three.stats().peer(2).connections())
                .as("the real node 2's connection was never replaced")
                .isEqualTo(1);
        // the real node 2 keeps working in both directions
        assertThat(two.send(3, 9, text("still here"))).isTrue();
        assertThat(three.send(2, 9, text("hello again"))).isTrue();
        await().atMost(WAIT)
                .until(() -> handlers[2].texts(2, 9).contains("still here")
                        && handlers[1].texts(3, 9).contains("hello again"));
        assertThat(handlers[2].texts(2, 9)).containsExactly("still here");
        assertThat(atForeign.count()).isZero();
    }

    @Test
    void aNodeWhoseOwnCertificateNamesAnotherClusterOrNodeDoesNotStart() {
        QuicTransport wrongCluster = new QuicTransport(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode("other", 1), QuicTestCluster.testLimits()));
        assertThatThrownBy(() -> wrongCluster.start(new RecordingHandler()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("names node 1 of cluster 'other', but this is node 1 of cluster 'armada-test'")
                .hasMessageContaining("urn:armada:cluster:armada-test");
        QuicTransport wrongNode = new QuicTransport(cluster.config(
                1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), QuicTestCluster.testLimits()));
        assertThatThrownBy(() -> wrongNode.start(new RecordingHandler()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("urn:armada:node:1");
    }

    @Test
    void aDialerOfAnotherClusterRedialsNoFasterThanItsBackoff() throws InterruptedException {
        QuicTransportLimits backoff = QuicTestCluster.testLimits().withReconnectBackoff(50, 500);
        cluster.start(2, new RecordingHandler());
        QuicTransport foreign = cluster.start(
                new QuicTransportConfig(
                        "other",
                        1,
                        cluster.addresses.get(1L),
                        Map.of(2L, cluster.addresses.get(2L)),
                        QuicTestCluster.AUTHORITY.issueNode("other", 1),
                        backoff),
                new RecordingHandler());
        await().atMost(WAIT).until(() -> foreign.stats().peer(2).dialAttempts() >= 1);
        long before = foreign.stats().peer(2).dialAttempts();
        Thread.sleep(3_000); // the measurement window: dials are counted over a fixed time
        long dials = foreign.stats().peer(2).dialAttempts() - before;
        System.out.println("dialer of another cluster: " + dials + " dials in 3 s (backoff 50..500 ms)");
        assertThat(dials).isBetween(3L, 14L);
        assertThat(foreign.isConnected(2)).isFalse();
    }

    @Test
    void aDialerTheAcceptorRefusesRedialsNoFasterThanItsBackoff() throws InterruptedException {
        // The acceptor refuses node 1's certificate only after node 1's side of the TLS 1.3 handshake
        // has completed; that must not count as a success that resets node 1's backoff.
        TlsMaterial.Loaded strangerCert =
                SelfSignedCertificates.newAuthority("stranger-ca").issueNode(QuicTestCluster.CLUSTER, 1);
        TlsMaterial.Loaded mixed = new TlsMaterial.Loaded(
                strangerCert.privateKey(),
                strangerCert.certificateChain(),
                List.of(QuicTestCluster.AUTHORITY.authorityCertificate()));
        QuicTransportLimits backoff = QuicTestCluster.testLimits().withReconnectBackoff(50, 500);
        cluster.start(2, new RecordingHandler());
        QuicTransport one = cluster.start(cluster.config(1, mixed, backoff), new RecordingHandler());

        await().atMost(WAIT).until(() -> one.stats().peer(2).dialAttempts() >= 1);
        long before = one.stats().peer(2).dialAttempts();
        Thread.sleep(3_000); // the measurement window: dials are counted over a fixed time
        long dials = one.stats().peer(2).dialAttempts() - before;
        System.out.println("refused dialer: " + dials + " dials in 3 s (backoff 50..500 ms)");
        // 50, 100, 200, 400 ms, then at least 250 ms each: at most 4 + 2250 / 250 + 1 = 14 in the window
        assertThat(dials).isBetween(3L, 14L);
        assertThat(one.isConnected(2)).isFalse();
    }

    @Test
    void aPeerWhoseCertificateNamesAnotherNodeIsRejected() {
        // Whoever listens at node 2's address holds a valid certificate - for node 3.
        QuicTransport impostor = cluster.start(
                new QuicTransportConfig(
                        QuicTestCluster.CLUSTER,
                        3,
                        cluster.addresses.get(2L),
                        Map.of(1L, cluster.addresses.get(1L)),
                        QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 3),
                        QuicTestCluster.testLimits()),
                new RecordingHandler());
        QuicTransport one = cluster.start(1, new RecordingHandler());
        await().atMost(WAIT).until(() -> one.stats().rejectedConnections() >= 2);
        assertThat(one.stats().peer(2).connections()).isZero();
        assertThat(one.isConnected(2)).isFalse();
        assertThat(impostor.stats().peer(1).receivedMessages()).isZero();
    }

    @Test
    void aMessageOverTheFrameLimitIsRefusedBySenderAndReceiver() {
        RecordingHandler atTwo = new RecordingHandler();
        QuicTransportLimits small = QuicTestCluster.testLimits().withMaxFrameBytes(64 * 1024);
        QuicTransport two = cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), small), atTwo);
        QuicTransport one = cluster.start(1, new RecordingHandler());
        awaitConnected(one, 2);

        // The sender refuses outright what its own limit forbids: a caller bug, not a network condition.
        assertThatThrownBy(() -> two.send(1, 5, new byte[64 * 1024 + 1]))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("maxFrameBytes");
        // A peer with a larger limit gets its connection closed for the oversized frame.
        assertThat(one.send(2, 5, new byte[100 * 1024])).isTrue();
        await().atMost(WAIT).until(() -> two.stats().protocolViolations() == 1);
        await().atMost(WAIT).until(() -> one.stats().peer(2).connections() == 2 && one.isConnected(2));
        assertThat(one.send(2, 6, text("small"))).isTrue();
        await().atMost(WAIT).until(() -> atTwo.count() == 1);
        assertThat(atTwo.received.getFirst().groupId()).isEqualTo(6);
        assertThat(atTwo.texts(1, 5)).isEmpty();
    }

    @Test
    void sendReturnsFalseWhenThePeerQueueIsFullAndRecoversWhenItDrains() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        RecordingHandler atTwo = new RecordingHandler();
        // Node 2's handler blocks its I/O thread: it stops reading, QUIC flow control stops node 1,
        // and node 1's queue fills. Long idle timeout: the stall must not look like a dead peer.
        QuicTransportLimits receiver =
                QuicTestCluster.testLimits().withTimeouts(60_000, 1_000).withReceiveWindows(64 * 1024, 128 * 1024);
        cluster.start(
                cluster.config(2, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 2), receiver),
                (from, group, m) -> {
                    try {
                        release.await();
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    atTwo.onMessage(from, group, m);
                });
        QuicTransportLimits sender = QuicTestCluster.testLimits()
                .withTimeouts(60_000, 1_000)
                .withMaxFrameBytes(4096)
                .withQueueBounds(256 * 1024, 100_000);
        QuicTransport one = cluster.start(
                cluster.config(1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), sender),
                new RecordingHandler());
        awaitConnected(one, 2);

        int accepted = 0;
        boolean refused = false;
        for (int i = 0; i < 100_000 && !refused; i++) {
            if (one.send(2, 1, new byte[1024])) {
                accepted++;
            } else {
                refused = true;
            }
        }
        assertThat(refused).as("a send was refused").isTrue();
        PeerStats full = one.stats().peer(2);
        assertThat(full.connected())
                .as("refused for a full queue, not a lost connection")
                .isTrue();
        assertThat(full.droppedMessages()).isEqualTo(1);
        assertThat(full.queuedBytes()).isLessThanOrEqualTo(256 * 1024).isGreaterThan(256 * 1024 - 2 * 1024);

        release.countDown();
        int expected = accepted;
        await().atMost(WAIT).until(() -> atTwo.count() == expected);
        assertThat(one.send(2, 1, new byte[1024])).isTrue();
        await().atMost(WAIT).until(() -> atTwo.count() == expected + 1);
        assertThat(one.stats().peer(2).queuedBytes()).isZero();
    }

    @Test
    void closeReleasesThePortAndTheThreads() throws IOException {
        QuicTestCluster own = new QuicTestCluster(101, 102);
        try (own) {
            QuicTransport b = own.start(102, new RecordingHandler());
            QuicTransport a = own.start(101, new RecordingHandler());
            awaitConnected(a, 102);
            a.close();
            b.close();
            assertThat(a.send(102, 1, text("late"))).isFalse();
            for (var address : own.addresses.values()) {
                try (DatagramSocket socket = new DatagramSocket(address)) {
                    assertThat(socket.getLocalPort()).isEqualTo(address.getPort());
                }
            }
            // close() waits for the event loops to terminate; the threads themselves exit right after.
            await().atMost(WAIT)
                    .until(() -> threadsNamed(QuicTransport.threadNamePrefix(101) + "-")
                                    .isEmpty()
                            && threadsNamed(QuicTransport.threadNamePrefix(102) + "-")
                                    .isEmpty());
        }
    }

    private static List<String> threadsNamed(String prefix) {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(Thread::isAlive)
                .map(Thread::getName)
                .filter(n -> n.startsWith(prefix))
                .toList();
    }

    @Test
    void sendToAnUnknownNodeOrBeforeStartIsDropped() {
        QuicTransport one = new QuicTransport(cluster.config(
                1, QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1), QuicTestCluster.testLimits()));
        try {
            assertThat(one.send(2, 1, text("not started"))).isFalse();
            assertThat(one.send(42, 1, text("nobody"))).isFalse();
            assertThat(one.stats().peer(2).droppedMessages()).isEqualTo(1);
        } finally {
            one.close();
        }
    }
}
