package io.armada.testkit.verify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ScenarioLabelsTest {
    @Test
    void renamedScenariosAnswerToTheirOldLabelsToo() {
        assertThat(Scenario.byLabel("pause-leader-cluster-node")).isEqualTo(Scenario.PAUSE_LEADER_CLUSTER_NODE);
        assertThat(Scenario.byLabel("pause-leader-node")).isEqualTo(Scenario.PAUSE_LEADER_CLUSTER_NODE);
        assertThat(Scenario.byLabel("follower-replication-faults"))
                .isEqualTo(Scenario.FOLLOWER_CLUSTER_REPLICATION_FAULTS);
        // the old labels are accepted, not listed
        assertThat(Scenario.labels()).doesNotContain("pause-leader-node", "follower-replication-faults");
        assertThatThrownBy(() -> Scenario.byLabel("pause-leader-nod"))
                .hasMessageContaining("pause-leader-cluster-node");
    }
}
