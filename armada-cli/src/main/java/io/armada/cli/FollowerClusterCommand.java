package io.armada.cli;

import picocli.CommandLine;

/**
 * {@code armada follower-cluster}: runs one node of a follower cluster. The same configuration as
 * a leader-cluster node plus {@code leader-cluster}: the leader cluster's client endpoints (and TLS
 * files). The command was {@code armada follower}; that name still works ({@link OldName}).
 */
@CommandLine.Command(
        name = "follower-cluster",
        mixinStandardHelpOptions = true,
        description = "Run one node of a follower cluster (needs leader-cluster in the configuration).")
class FollowerClusterCommand extends LeaderClusterCommand {
    @Override
    boolean follower() {
        return true;
    }

    /** {@code armada follower}, the command's name before the rename: hidden from the help, same behaviour. */
    @CommandLine.Command(
            name = "follower",
            hidden = true,
            mixinStandardHelpOptions = true,
            description = "Old name of follower-cluster.")
    static final class OldName extends FollowerClusterCommand {
        @Override
        public Integer call() throws InterruptedException {
            warnOldName("follower", "follower-cluster");
            return super.call();
        }
    }
}
