package io.armada.cli;

import io.armada.server.ServerMain;
import io.armada.server.config.ConfigException;
import io.armada.server.config.ConfigLoader;
import io.armada.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;

/** {@code armada leader}: runs one node of the leader cluster from a YAML file, with overrides by flag. */
@CommandLine.Command(name = "leader", mixinStandardHelpOptions = true,
        description = "Run one node of a leader cluster.")
class LeaderCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--config", required = true, description = "YAML configuration file.")
    Path config;

    @CommandLine.Option(names = "--node-id", description = "Overrides node-id.")
    Long nodeId;

    @CommandLine.Option(names = "--data-dir", description = "Overrides data-dir.")
    Path dataDir;

    @CommandLine.Option(names = "--set", paramLabel = "PATH=VALUE",
            description = "Overrides any option by its path, e.g. --set raft.tick-millis=20 --set members[0].client-address=127.0.0.1:6001")
    Map<String, String> set = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** Whether this command runs follower-cluster nodes. */
    boolean follower() {
        return false;
    }

    @Override
    public Integer call() throws InterruptedException {
        Map<String, String> overrides = new LinkedHashMap<>(set);
        if (nodeId != null) {
            overrides.put("node-id", nodeId.toString());
        }
        if (dataDir != null) {
            overrides.put("data-dir", "'" + dataDir + "'");
        }
        ServerConfig loaded;
        try {
            loaded = ConfigLoader.load(config, overrides);
        } catch (ConfigException e) {
            spec.commandLine().getErr().println("error: configuration " + config + ": " + e.getMessage());
            return 2;
        }
        if (loaded.isFollower() != follower()) {
            spec.commandLine().getErr().println("error: configuration " + config + ": " + (follower()
                    ? "follower-of: required for a follower-cluster node (the leader cluster's endpoints)"
                    : "follower-of: set, so this is a follower-cluster node; run `armada follower`"));
            return 2;
        }
        ServerMain.run(loaded);
        return 0;
    }
}
