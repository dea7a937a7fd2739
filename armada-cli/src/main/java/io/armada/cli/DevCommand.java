package io.armada.cli;

import io.armada.server.ServerMain;
import io.armada.server.dev.DevCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine;

/** {@code armada dev}: a local three-node leader cluster in this process, until interrupted. */
@CommandLine.Command(name = "dev", mixinStandardHelpOptions = true,
        description = "Start a local 3-node leader cluster on 127.0.0.1 and run until interrupted.")
final class DevCommand implements Callable<Integer> {
    @CommandLine.Option(names = "--data", description = "Data directory (default: a new temporary one).")
    Path data;

    @CommandLine.Option(names = "--base-port", defaultValue = "6000",
            description = "Node i serves clients on base-port + i and Raft (QUIC) on base-port + 100 + i (default: ${DEFAULT-VALUE}).")
    int basePort;

    @CommandLine.Option(names = "--nodes", defaultValue = "3", description = "Cluster size: 1, 3 or 5 (default: ${DEFAULT-VALUE}).")
    int nodes;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (nodes != 1 && nodes != 3 && nodes != 5) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--nodes: " + nodes + " is not 1, 3 or 5");
        }
        Path dir = data != null ? data : Files.createTempDirectory("armada-dev");
        DevCluster cluster = DevCluster.start(dir, nodes, basePort, ServerMain::haltOnFatal);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            cluster.close();
            stopped.countDown();
        }, "armada-dev-shutdown"));
        var out = spec.commandLine().getOut();
        out.println("data: " + dir);
        out.println("endpoints: " + cluster.endpoints());
        if (!cluster.awaitReady(60_000)) {
            spec.commandLine().getErr().println("error: the cluster elected no leader within 60 s; see the log above");
            return 1;
        }
        out.println("ready: try  bin/armada table create demo --endpoints " + cluster.endpoints());
        out.flush();
        stopped.await();
        return 0;
    }
}
