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

/**
 * {@code armada leader-cluster}: runs one node of the leader cluster from a YAML file, with
 * overrides by flag. The command was {@code armada leader} before "leader" alone was kept for the
 * Raft role; that name still works ({@link OldName}).
 */
@CommandLine.Command(
        name = "leader-cluster",
        mixinStandardHelpOptions = true,
        description = "Run one node of a leader cluster.")
class LeaderClusterCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--config", required = true, description = "YAML configuration file.")
    Path config;

    @CommandLine.Option(names = "--node-id", description = "Overrides node-id.")
    Long nodeId;

    @CommandLine.Option(names = "--data-dir", description = "Overrides data-dir.")
    Path dataDir;

    @CommandLine.Option(
            names = "--set",
            paramLabel = "PATH=VALUE",
            description =
                    "Overrides any option by its path, e.g. --set raft.tick-millis=20 --set members[0].client-address=127.0.0.1:6001")
    Map<String, String> set = new LinkedHashMap<>();

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    /** {@code armada leader}, the command's name before the rename: hidden from the help, same behaviour. */
    @CommandLine.Command(
            name = "leader",
            hidden = true,
            mixinStandardHelpOptions = true,
            description = "Old name of leader-cluster.")
    static final class OldName extends LeaderClusterCommand {
        @Override
        public Integer call() throws InterruptedException {
            warnOldName("leader", "leader-cluster");
            return super.call();
        }
    }

    /** Tells a user of a command's old name the new one; the command runs all the same. */
    void warnOldName(String old, String current) {
        spec.commandLine()
                .getErr()
                .println("warning: `armada " + old + "` is now `armada " + current + "`; the old name will go away");
    }

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
        if (loaded.isFollowerCluster() != follower()) {
            spec.commandLine()
                    .getErr()
                    .println(
                            "error: configuration " + config + ": "
                                    + (follower()
                                            ? "leader-cluster: required for a follower-cluster node (the leader cluster's endpoints)"
                                            : "leader-cluster: set, so this is a follower-cluster node; run `armada follower-cluster`"));
            return 2;
        }
        ServerMain.run(loaded);
        return 0;
    }
}
