package io.armada.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.api.v1.ResponseHeader;
import org.junit.jupiter.api.Test;

class TableLeaderRoutesTest {
    private static ResponseHeader header(long cluster, long member, long leader) {
        return ResponseHeader.newBuilder()
                .setClusterId(cluster)
                .setMemberId(member)
                .setLeaderId(leader)
                .build();
    }

    @Test
    void aTablesLeaderIsRoutedToOnceItsEndpointHasAnswered() {
        TableLeaderRoutes routes = new TableLeaderRoutes(3);
        assertThat(routes.leaderEndpoint("t")).as("no leader known").isEqualTo(-1);
        routes.learn(0, "t", header(7, 1, 3));
        assertThat(routes.leaderEndpoint("t"))
                .as("member 3 is behind an endpoint that has not answered: try one")
                .isEqualTo(1);
        routes.learn(1, "t", header(7, 2, 3));
        assertThat(routes.leaderEndpoint("t")).isEqualTo(2);
        routes.learn(2, "other", header(7, 3, 0));
        assertThat(routes.leaderEndpoint("t")).isEqualTo(2);
        assertThat(routes.leaderEndpoint("other")).as("no leader named").isEqualTo(-1);
    }

    @Test
    void aNewLeaderOrNoLeaderReplacesTheRoute() {
        TableLeaderRoutes routes = new TableLeaderRoutes(2);
        routes.learn(0, "t", header(7, 1, 1));
        routes.learn(1, "t", header(7, 2, 1));
        assertThat(routes.leaderEndpoint("t")).isZero();
        routes.learn(1, "t", header(7, 2, 2));
        assertThat(routes.leaderEndpoint("t")).isEqualTo(1);
        routes.learn(0, "t", header(7, 1, 0));
        assertThat(routes.leaderEndpoint("t")).isEqualTo(-1);
    }

    @Test
    void memberIdsOfAnotherClusterAreNotConfused() {
        TableLeaderRoutes routes = new TableLeaderRoutes(2);
        routes.learn(0, "t", header(7, 1, 2));
        routes.learn(1, "t", header(9, 2, 1)); // endpoint 1 is member 2 of cluster 9, not of cluster 7
        routes.learn(0, "t", header(7, 1, 2));
        assertThat(routes.leaderEndpoint("t"))
                .as("every endpoint answered; none is member 2 of cluster 7")
                .isEqualTo(-1);
    }

    @Test
    void headerlessAnswersTeachNothingAndTheTableCountIsBounded() {
        TableLeaderRoutes routes = new TableLeaderRoutes(1);
        routes.learn(0, "t", ResponseHeader.getDefaultInstance());
        assertThat(routes.leaderEndpoint("t")).isEqualTo(-1);
        for (int i = 0; i <= TableLeaderRoutes.MAX_TABLES; i++) {
            routes.learn(0, "t" + i, header(7, 1, 1));
        }
        assertThat(routes.leaderEndpoint("t" + TableLeaderRoutes.MAX_TABLES)).isZero();
        assertThat(routes.leaderEndpoint("t0"))
                .as("forgotten when the bound was reached")
                .isEqualTo(-1);
    }
}
