package io.armada.cli;

import picocli.CommandLine;

/**
 * {@code armada follower}: runs one node of a follower cluster. The same configuration as a
 * leader node plus {@code follower-of}: the leader cluster's client endpoints (and TLS files).
 */
@CommandLine.Command(name = "follower", mixinStandardHelpOptions = true,
        description = "Run one node of a follower cluster (needs follower-of in the configuration).")
final class FollowerCommand extends LeaderCommand {
    @Override
    boolean follower() {
        return true;
    }
}
