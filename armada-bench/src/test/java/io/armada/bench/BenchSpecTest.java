package io.armada.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class BenchSpecTest {
    private static BenchSpec spec(
            BenchSpec.Store store,
            Workload workload,
            List<String> followers,
            int clients,
            int inFlight,
            int valueSize,
            double rate) {
        return new BenchSpec(
                store,
                List.of("127.0.0.1:6001"),
                followers,
                List.of("t"),
                workload,
                clients,
                inFlight,
                Duration.ofSeconds(1),
                Duration.ZERO,
                valueSize,
                100,
                false,
                rate,
                null,
                false);
    }

    @Test
    void limitsAreNamedWhenExceeded() {
        assertThatThrownBy(() -> spec(BenchSpec.Store.ARMADA, Workload.PUT, List.of(), 0, 1, 10, 0))
                .hasMessage("clients: 0 is not between 1 and 1024");
        assertThatThrownBy(() -> spec(BenchSpec.Store.ARMADA, Workload.PUT, List.of(), 1, 5_000, 10, 0))
                .hasMessage("in-flight: 5000 is not between 1 and 1024");
        assertThatThrownBy(() -> spec(BenchSpec.Store.ARMADA, Workload.PUT, List.of(), 1, 1, 2 << 20, 0))
                .hasMessage("value-size: 2097152 is not between 0 and 1048576");
        assertThatThrownBy(() -> spec(BenchSpec.Store.ARMADA, Workload.PUT, List.of(), 1, 1, 10, -1))
                .hasMessage("rate: must not be negative");
    }

    @Test
    void lagNeedsArmadaAFollowerClusterAndARate() {
        assertThatThrownBy(() -> spec(BenchSpec.Store.ETCD, Workload.LAG, List.of("127.0.0.1:6101"), 1, 1, 10, 100))
                .hasMessageContaining("etcd has none");
        assertThatThrownBy(() -> spec(BenchSpec.Store.ARMADA, Workload.LAG, List.of(), 1, 1, 10, 100))
                .hasMessageStartingWith("follower-cluster-endpoints:");
        assertThatThrownBy(() -> spec(BenchSpec.Store.ARMADA, Workload.LAG, List.of("127.0.0.1:6101"), 1, 1, 10, 0))
                .hasMessageStartingWith("rate:");
        assertThat(spec(BenchSpec.Store.ARMADA, Workload.LAG, List.of("127.0.0.1:6101"), 1, 1, 10, 100)
                        .workload())
                .isEqualTo(Workload.LAG);
    }

    @Test
    void catchupNeedsArmadaAndAFollowerCluster() {
        assertThatThrownBy(() -> spec(BenchSpec.Store.ETCD, Workload.CATCHUP, List.of("127.0.0.1:6101"), 1, 1, 10, 0))
                .hasMessageContaining("etcd has none");
        assertThatThrownBy(() -> spec(BenchSpec.Store.ARMADA, Workload.CATCHUP, List.of(), 1, 1, 10, 0))
                .hasMessageStartingWith("follower-cluster-endpoints:");
    }

    @Test
    void keysAreFixedWidthSoTheyStayInOrder() {
        assertThat(new String(LoadGenerator.key(42))).isEqualTo("key-00000042");
    }
}
