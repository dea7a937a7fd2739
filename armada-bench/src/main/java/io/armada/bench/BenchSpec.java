package io.armada.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * One benchmark run.
 *
 * @param store which store the load goes to
 * @param endpoints host:port of its client API
 * @param followerClusterEndpoints for {@link Workload#LAG}: a follower cluster of the same leader cluster, where each write is read back
 * @param tables the tables the load spreads over (key prefixes on etcd)
 * @param workload what each operation is
 * @param clients connections (one gRPC channel, or one etcd client, each)
 * @param inFlight outstanding operations per connection
 * @param duration how long the measured part lasts
 * @param warmup load before the measurement, not recorded (JIT, connections, caches)
 * @param valueSize bytes of every written value
 * @param keySpace distinct keys per table; keys are chosen uniformly at random
 * @param linearizable reads are linearizable (serializable otherwise)
 * @param rate operations per second for an open loop (latency counted from each operation's intended start,
 *     so a stall is not hidden); 0 runs a closed loop as fast as the in-flight limit allows
 * @param json where to write the result as JSON, or null
 * @param pinned Armada: each connection talks to one endpoint only (writes to a non-leader are forwarded)
 *     instead of routing each table's writes to its leader
 */
public record BenchSpec(
        Store store,
        List<String> endpoints,
        List<String> followerClusterEndpoints,
        List<String> tables,
        Workload workload,
        int clients,
        int inFlight,
        Duration duration,
        Duration warmup,
        int valueSize,
        int keySpace,
        boolean linearizable,
        double rate,
        Path json,
        boolean pinned) {

    /** The store under load. */
    public enum Store {
        ARMADA,
        ETCD
    }

    public static final int MAX_CLIENTS = 1_024;
    public static final int MAX_IN_FLIGHT = 1_024;
    public static final int MAX_VALUE_SIZE = 1 << 20;

    public BenchSpec {
        endpoints = List.copyOf(endpoints);
        followerClusterEndpoints = followerClusterEndpoints == null ? List.of() : List.copyOf(followerClusterEndpoints);
        tables = List.copyOf(tables);
        require(!endpoints.isEmpty(), "endpoints: at least one host:port is required");
        require(!tables.isEmpty(), "tables: at least one table is required");
        require(clients >= 1 && clients <= MAX_CLIENTS, "clients: " + clients + " is not between 1 and " + MAX_CLIENTS);
        require(
                inFlight >= 1 && inFlight <= MAX_IN_FLIGHT,
                "in-flight: " + inFlight + " is not between 1 and " + MAX_IN_FLIGHT);
        require(!duration.isNegative() && !duration.isZero(), "duration: must be positive");
        require(!warmup.isNegative(), "warmup: must not be negative");
        require(
                valueSize >= 0 && valueSize <= MAX_VALUE_SIZE,
                "value-size: " + valueSize + " is not between 0 and " + MAX_VALUE_SIZE);
        require(keySpace >= 1, "key-space: must be at least 1");
        require(rate >= 0, "rate: must not be negative");
        if (workload == Workload.CATCHUP) {
            require(store == Store.ARMADA, "op catchup: measures Armada's follower clusters; etcd has none");
            require(
                    !followerClusterEndpoints.isEmpty(),
                    "follower-cluster-endpoints: op catchup needs the follower cluster to wait for");
        }
        if (workload == Workload.LAG) {
            require(store == Store.ARMADA, "op lag: measures Armada's follower clusters; etcd has none");
            require(
                    !followerClusterEndpoints.isEmpty(),
                    "follower-cluster-endpoints: op lag needs a follower cluster to read back from");
            require(rate > 0, "rate: op lag measures at a given write rate; set --rate");
        }
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }
}
