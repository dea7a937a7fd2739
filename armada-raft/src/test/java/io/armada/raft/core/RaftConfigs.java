package io.armada.raft.core;

import io.armada.raft.RaftConfig;

/** Configurations for exact-message tests: 10 election ticks, heartbeat every tick. */
final class RaftConfigs {
    private RaftConfigs() {}

    static RaftConfig exact() {
        return RaftConfig.defaults().withTicks(10, 1);
    }
}
