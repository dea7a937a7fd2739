package io.armada.cli;

import io.armada.api.v1.StatusResponse;
import io.armada.api.v1.TableGroupStatus;
import io.armada.api.v1.TableStatus;
import io.armada.client.ArmadaClient;
import java.util.List;
import java.util.Optional;
import picocli.CommandLine;

/** {@code armada status}: every endpoint's view of every table group. */
@CommandLine.Command(
        name = "status",
        mixinStandardHelpOptions = true,
        description = {
            "Show each node's role, leader, term and applied revision for every table.",
            "On a follower cluster also the leader cluster's revision, the lag in revisions and how long the table"
                    + " has been out of sync (- on the leader cluster)."
        })
final class StatusCommand extends ClientCommand {
    @Override
    int run(ArmadaClient c) {
        String[] endpoints = client.endpointList().toArray(String[]::new);
        List<Optional<StatusResponse>> all = c.statusOfEach();
        out().printf(
                        "%-22s %-6s %-20s %-10s %7s %5s %9s %9s %18s %7s %12s%n",
                        "ENDPOINT",
                        "NODE",
                        "TABLE",
                        "ROLE",
                        "LEADER",
                        "TERM",
                        "COMMIT",
                        "REVISION",
                        "LEADER_CLUSTER_REV",
                        "LAG",
                        "OUT_OF_SYNC");
        for (int i = 0; i < all.size(); i++) {
            if (all.get(i).isEmpty()) {
                out().printf("%-22s %s%n", endpoints[i], "unreachable");
                continue;
            }
            StatusResponse s = all.get(i).get();
            for (TableGroupStatus t : s.getTablesList()) {
                TableStatus ts = t.getTable().getStatus();
                boolean followerCluster = ts.getLeaderRevision() > 0;
                out().printf(
                                "%-22s %-6d %-20s %-10s %7d %5d %9d %9d %18s %7s %12s%n",
                                endpoints[i],
                                s.getHeader().getMemberId(),
                                t.getTable().getName(),
                                t.getRole(),
                                ts.getLeaderId(),
                                ts.getRaftTerm(),
                                t.getCommitIndex(),
                                ts.getAppliedRevision(),
                                followerCluster ? Long.toString(ts.getLeaderRevision()) : "-",
                                followerCluster ? Long.toString(ts.getLagRevisions()) : "-",
                                followerCluster ? String.format("%.1fs", ts.getOutOfSyncMillis() / 1000.0) : "-");
            }
        }
        return 0;
    }
}
