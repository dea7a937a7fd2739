package io.armada.server.ops;

import io.armada.raft.RaftRole;
import io.armada.raft.engine.EngineStats;
import io.armada.server.node.ArmadaNode;
import io.armada.server.node.ReplicationLag;
import io.armada.server.node.TableHandle;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.function.ToDoubleFunction;

/**
 * A node's Prometheus metrics. Names: {@code armada_grpc_requests_total} / {@code armada_grpc_request_seconds}
 * by method and code ({@link MetricsInterceptor}); {@code armada_table_applied_revision} and
 * {@code armada_table_leader} by table; {@code armada_raft_fsync_total}, {@code armada_raft_fsync_seconds_total},
 * {@code armada_raft_entries_persisted_total}, {@code armada_raft_entries_per_fsync} (mean over the process
 * lifetime), {@code armada_raft_leader_changes_total}, {@code armada_raft_messages_dropped_total},
 * {@code armada_raft_heartbeats_coalesced_total}; on follower clusters {@code armada_replication_leader_cluster_revision},
 * {@code armada_replication_lag_revisions} and {@code armada_replication_out_of_sync_seconds} by table;
 * {@code armada_grpc_streams_open} (server-streaming calls holding a slot),
 * {@code armada_grpc_unfinished_request_bytes} (request bytes still arriving, against the node's budget); the JVM's memory by pool
 * ({@code jvm_memory_used_bytes}, {@code jvm_buffer_memory_used_bytes}) and
 * {@code armada_netty_direct_memory_bytes} (gRPC's Netty buffers when Netty allocates them itself, -1 when it
 * allocates through the JDK, which {@code jvm_buffer_memory_used_bytes{id="direct"}} then counts). Every meter
 * carries {@code node} and {@code cluster}.
 */
public final class ServerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final MultiGauge appliedRevision;
    private final MultiGauge leader;
    private final MultiGauge leaderClusterRevision;
    private final MultiGauge lagRevisions;
    private final MultiGauge outOfSync;
    private final ArmadaNode node;

    public ServerMetrics(ArmadaNode node) {
        this.node = node;
        registry.config()
                .commonTags(
                        "node",
                        Long.toString(node.config().nodeId()),
                        "cluster",
                        node.config().clusterName());
        engineCounter("armada_raft_fsync_total", s -> s.syncs());
        engineCounter("armada_raft_fsync_seconds_total", s -> s.syncNanos() / 1e9);
        engineCounter("armada_raft_entries_persisted_total", s -> s.entriesPersisted());
        engineCounter("armada_raft_leader_changes_total", s -> s.leaderChanges());
        engineCounter("armada_raft_messages_dropped_total", s -> s.messagesDropped());
        engineCounter("armada_raft_proposals_rejected_total", s -> s.proposalsRejected());
        engineCounter("armada_raft_heartbeats_coalesced_total", s -> s.heartbeatsCoalesced());
        Gauge.builder(
                        "armada_raft_entries_per_fsync",
                        node,
                        n -> n.engine().stats().snapshot().entriesPerSync())
                .register(registry);
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics().bindTo(registry);
        Gauge.builder(
                        "armada_netty_direct_memory_bytes",
                        io.grpc.netty.shaded.io.netty.util.internal.PlatformDependent::usedDirectMemory)
                .description("direct memory gRPC's Netty allocated itself; -1 when it allocates through the JDK")
                .register(registry);
        appliedRevision = MultiGauge.builder("armada_table_applied_revision").register(registry);
        leader = MultiGauge.builder("armada_table_leader")
                .description("1 when this node leads the table's group")
                .register(registry);
        leaderClusterRevision = MultiGauge.builder("armada_replication_leader_cluster_revision")
                .description("follower clusters: the leader cluster's revision of the table, as last seen")
                .register(registry);
        lagRevisions = MultiGauge.builder("armada_replication_lag_revisions")
                .description("follower clusters: leader-cluster revision minus the revision applied on this node")
                .register(registry);
        outOfSync = MultiGauge.builder("armada_replication_out_of_sync_seconds")
                .description(
                        "follower clusters: time since the table was last in sync with the leader cluster; 0 while it is")
                .register(registry);
    }

    private void engineCounter(String name, ToDoubleFunction<EngineStats.Snapshot> value) {
        FunctionCounter.builder(
                        name, node, n -> value.applyAsDouble(n.engine().stats().snapshot()))
                .register(registry);
    }

    /** Publishes the node's open server-streaming calls (those holding a slot of the stream caps). */
    public void streamsOpen(java.util.function.IntSupplier open) {
        // strongly referenced: Micrometer holds a gauge's object weakly, and a method reference is
        // garbage as soon as this returns (the gauge read NaN after the next GC)
        Gauge.builder("armada_grpc_streams_open", open, s -> s.getAsInt())
                .strongReference(true)
                .description("server-streaming calls open on this node (IterateRange, LogService.Snapshot)")
                .register(registry);
    }

    public void unfinishedRequestBytes(java.util.function.LongSupplier held) {
        Gauge.builder("armada_grpc_unfinished_request_bytes", held, s -> s.getAsLong())
                .strongReference(true)
                .description("bytes of request messages still arriving, held on this node"
                        + " (bounded by Limits.MAX_UNFINISHED_REQUEST_BYTES_PER_NODE)")
                .baseUnit("bytes")
                .register(registry);
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition, with the per-table gauges refreshed (tables come and go at runtime). */
    public String scrape() {
        java.util.List<MultiGauge.Row<?>> revisions = new java.util.ArrayList<>();
        java.util.List<MultiGauge.Row<?>> leaders = new java.util.ArrayList<>();
        java.util.List<MultiGauge.Row<?>> leaderClusterRevisions = new java.util.ArrayList<>();
        java.util.List<MultiGauge.Row<?>> lags = new java.util.ArrayList<>();
        java.util.List<MultiGauge.Row<?>> outOfSyncs = new java.util.ArrayList<>();
        for (TableHandle t : node.tables()) {
            Tags tags = Tags.of("table", t.name());
            long applied = t.stateMachine().table().revision();
            revisions.add(MultiGauge.Row.of(tags, applied));
            t.stateMachine().lag().filter(ReplicationLag::known).ifPresent(lag -> {
                leaderClusterRevisions.add(MultiGauge.Row.of(tags, lag.leaderClusterRevision()));
                lags.add(MultiGauge.Row.of(tags, Math.max(0, lag.leaderClusterRevision() - applied)));
                outOfSyncs.add(MultiGauge.Row.of(tags, lag.outOfSyncMillis() / 1000.0));
            });
            boolean leads = node.groupStatus(t.id())
                    .map(s -> s.role() == RaftRole.LEADER)
                    .orElse(false);
            leaders.add(MultiGauge.Row.of(tags, leads ? 1 : 0));
        }
        appliedRevision.register(revisions, true);
        leader.register(leaders, true);
        leaderClusterRevision.register(leaderClusterRevisions, true);
        lagRevisions.register(lags, true);
        outOfSync.register(outOfSyncs, true);
        return registry.scrape();
    }
}
