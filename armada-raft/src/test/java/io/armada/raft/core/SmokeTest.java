package io.armada.raft.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.armada.raft.ProposeResult;
import org.junit.jupiter.api.Test;

class SmokeTest {
    @Test
    void threeNodesElectReplicateAndApply() {
        TestCluster c = new TestCluster(TestCluster.testConfig(), 1L, 2L, 3L);
        TestNode leader = c.elect(1);
        ProposeResult r = leader.core.propose(new byte[] {42});
        assertThat(r).isInstanceOf(ProposeResult.Proposed.class);
        c.stabilize();
        for (TestNode n : c.nodes.values()) {
            assertThat(n.appliedData()).containsExactly(new byte[] {42});
            assertThat(n.status().commitIndex()).isEqualTo(((ProposeResult.Proposed) r).index());
        }
    }
}
