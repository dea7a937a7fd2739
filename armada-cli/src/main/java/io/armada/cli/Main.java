package io.armada.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code armada} command: one entry point for running nodes and talking to clusters. */
@Command(
        name = "armada",
        mixinStandardHelpOptions = true,
        versionProvider = VersionProvider.class,
        description = "Armada: a distributed key-value store with a leader cluster and follower clusters.",
        subcommands = {
            DevCommand.class,
            LeaderClusterCommand.class,
            FollowerClusterCommand.class,
            LeaderClusterCommand.OldName.class,
            FollowerClusterCommand.OldName.class,
            TableCommand.class,
            KvCommand.class,
            StatusCommand.class,
            BenchCommand.class,
            VerifyCommand.class,
            DemoCommand.class,
            CommandLine.HelpCommand.class
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
