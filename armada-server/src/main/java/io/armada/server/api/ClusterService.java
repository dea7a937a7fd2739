package io.armada.server.api;

import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.ClusterRole;
import io.armada.api.v1.Member;
import io.armada.api.v1.MemberListRequest;
import io.armada.api.v1.MemberListResponse;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TableGroupStatus;
import io.armada.raft.RaftRole;
import io.armada.server.config.ServerConfig;
import io.armada.server.node.ArmadaNode;
import io.armada.server.node.Catalog;
import io.armada.server.node.TableHandle;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** Membership and this node's view of every table group, for operators and the CLI's status table. */
final class ClusterService extends ClusterGrpc.ClusterImplBase {
    private final ArmadaNode node;
    private final Router router;
    private final TablesService tables;
    private final String version;

    ClusterService(ArmadaNode node, Router router, TablesService tables) {
        this.node = node;
        this.router = router;
        this.tables = tables;
        String v = ClusterService.class.getPackage().getImplementationVersion();
        this.version = v != null ? v : "dev";
    }

    @Override
    public void memberList(MemberListRequest request, StreamObserver<MemberListResponse> observer) {
        Replies.reply(observer, () -> {
            MemberListResponse.Builder out = MemberListResponse.newBuilder()
                    .setHeader(router.header(
                            Catalog.GROUP_ID, node.catalog().table().revision()))
                    .setClusterRole(
                            node.config().isFollowerCluster()
                                    ? ClusterRole.FOLLOWER_CLUSTER
                                    : ClusterRole.LEADER_CLUSTER);
            for (ServerConfig.MemberConfig m : node.config().members()) {
                boolean self = m.id() == node.config().nodeId();
                out.addMembers(Member.newBuilder()
                        .setId(m.id())
                        .setName("node-" + m.id())
                        .setClientAddress(m.clientAddress().toString())
                        .setRaftAddress(m.raftAddress().toString())
                        // a peer is healthy when this node holds a live QUIC connection to it
                        .setHealthy(self || node.transport().isConnected(m.id())));
            }
            return CompletableFuture.completedFuture(out.build());
        });
    }

    @Override
    public void status(StatusRequest request, StreamObserver<StatusResponse> observer) {
        Replies.reply(observer, () -> {
            StatusResponse.Builder out = StatusResponse.newBuilder()
                    .setHeader(router.header(
                            Catalog.GROUP_ID, node.catalog().table().revision()))
                    .setClusterRole(
                            node.config().isFollowerCluster()
                                    ? ClusterRole.FOLLOWER_CLUSTER
                                    : ClusterRole.LEADER_CLUSTER)
                    .setVersion(version);
            for (TableHandle t : node.tables()) {
                TableGroupStatus.Builder g = TableGroupStatus.newBuilder().setTable(tables.info(t.name(), t.id()));
                node.groupStatus(t.id())
                        .ifPresent(s -> g.setRole(role(s.role())).setCommitIndex(s.commitIndex()));
                out.addTables(g);
            }
            return CompletableFuture.completedFuture(out.build());
        });
    }

    private static TableGroupStatus.RaftRole role(RaftRole role) {
        return switch (role) {
            case LEADER -> TableGroupStatus.RaftRole.LEADER;
            case FOLLOWER -> TableGroupStatus.RaftRole.FOLLOWER;
            case CANDIDATE -> TableGroupStatus.RaftRole.CANDIDATE;
            case PRE_CANDIDATE -> TableGroupStatus.RaftRole.PRE_CANDIDATE;
        };
    }
}
