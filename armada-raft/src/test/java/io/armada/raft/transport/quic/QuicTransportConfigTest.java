package io.armada.raft.transport.quic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetSocketAddress;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuicTransportConfigTest {
    private static final InetSocketAddress LOCAL = new InetSocketAddress("127.0.0.1", 7000);
    private final QuicTransportLimits defaults = QuicTransportLimits.defaults();

    @Test
    void defaultsAreValidAndFitTheMessageSizes() {
        assertThat(defaults.maxFrameBytes()).isEqualTo(16 << 20);
        assertThat(defaults.maxQueuedBytesPerPeer()).isGreaterThanOrEqualTo(defaults.maxFrameBytes());
        assertThat(defaults.keepAliveIntervalMillis()).isLessThan(defaults.idleTimeoutMillis());
    }

    @Test
    void everyLimitViolationNamesItsField() {
        assertThatThrownBy(() -> defaults.withMaxFrameBytes(0)).hasMessageStartingWith("maxFrameBytes");
        assertThatThrownBy(() -> defaults.withQueueBounds(1024, 10)).hasMessageStartingWith("maxQueuedBytesPerPeer");
        assertThatThrownBy(() -> defaults.withQueueBounds(64L << 20, 0))
                .hasMessageStartingWith("maxQueuedMessagesPerPeer");
        assertThatThrownBy(() -> defaults.withQueueBounds(64L << 20, 1 << 24))
                .hasMessageStartingWith("maxQueuedMessagesPerPeer");
        assertThatThrownBy(() -> defaults.withWriteChunkBytes(10)).hasMessageStartingWith("writeChunkBytes");
        assertThatThrownBy(() -> defaults.withReceiveWindows(1024, 1 << 20))
                .hasMessageStartingWith("streamReceiveWindowBytes");
        assertThatThrownBy(() -> defaults.withReceiveWindows(1 << 20, 1 << 16))
                .hasMessageStartingWith("connectionReceiveWindowBytes");
        assertThatThrownBy(() -> defaults.withTimeouts(1_000, 1_000)).hasMessageStartingWith("keepAliveIntervalMillis");
        assertThatThrownBy(() -> defaults.withTimeouts(50, 10)).hasMessageStartingWith("idleTimeoutMillis");
        assertThatThrownBy(() -> defaults.withConnectTimeoutMillis(20_000))
                .hasMessageStartingWith("connectTimeoutMillis");
        assertThatThrownBy(() -> defaults.withReconnectBackoff(0, 10))
                .hasMessageStartingWith("reconnectInitialBackoffMillis");
        assertThatThrownBy(() -> defaults.withReconnectBackoff(100, 10))
                .hasMessageStartingWith("reconnectMaxBackoffMillis");
    }

    @Test
    void peersMustBeOtherNodesWithRealAddresses() {
        var tls = QuicTestCluster.AUTHORITY.issueNode(QuicTestCluster.CLUSTER, 1);
        assertThatThrownBy(() ->
                        new QuicTransportConfig(QuicTestCluster.CLUSTER, 1, LOCAL, Map.of(1L, LOCAL), tls, defaults))
                .hasMessageStartingWith("peers")
                .hasMessageContaining("selfId");
        assertThatThrownBy(() -> new QuicTransportConfig(
                        QuicTestCluster.CLUSTER,
                        1,
                        LOCAL,
                        Map.of(2L, new InetSocketAddress("127.0.0.1", 0)),
                        tls,
                        defaults))
                .hasMessageStartingWith("peers[2]");
        assertThatThrownBy(() -> new QuicTransportConfig(
                        QuicTestCluster.CLUSTER,
                        1,
                        InetSocketAddress.createUnresolved("nowhere", 1),
                        Map.of(),
                        tls,
                        defaults))
                .hasMessageStartingWith("bindAddress");
        assertThat(new QuicTransportConfig(QuicTestCluster.CLUSTER, 1, LOCAL, Map.of(2L, LOCAL), tls, defaults).peers())
                .containsKey(2L);
    }
}
