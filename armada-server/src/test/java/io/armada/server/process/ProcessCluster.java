package io.armada.server.process;

import io.armada.server.config.ServerConfig;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A cluster of node processes on 127.0.0.1 with a plaintext channel to each, started from YAML as an
 * operator would; closing it resumes paused nodes and stops every process. Node {@code i} (0-based)
 * has member id {@code i + 1}.
 */
final class ProcessCluster implements AutoCloseable {
    private static final Duration START = Duration.ofSeconds(60);

    private final List<NodeProcess> nodes = new ArrayList<>();
    private final List<ManagedChannel> channels = new ArrayList<>();

    private ProcessCluster() {}

    /** {@code size} nodes with the default Raft settings, {@code environment} added to each process's. */
    static ProcessCluster start(Path dir, int size, Map<String, String> environment)
            throws IOException, InterruptedException {
        return start(dir, size, ServerConfig.RaftSettings.defaults(), environment);
    }

    static ProcessCluster start(Path dir, int size, ServerConfig.RaftSettings raft, Map<String, String> environment)
            throws IOException, InterruptedException {
        ProcessCluster cluster = new ProcessCluster();
        try {
            for (ServerConfig c : DevCluster.configs(dir, size, FreePorts.basePort(size), raft)) {
                NodeProcess n = new NodeProcess(c, dir, environment);
                cluster.nodes.add(n);
                n.start(START);
                cluster.channels.add(NettyChannelBuilder.forAddress(
                                c.self().clientAddress().host(),
                                c.self().clientAddress().port())
                        .usePlaintext()
                        .build());
            }
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    NodeProcess node(int index) {
        return nodes.get(index);
    }

    ManagedChannel channel(int index) {
        return channels.get(index);
    }

    int size() {
        return nodes.size();
    }

    @Override
    public void close() throws IOException, InterruptedException {
        channels.forEach(ManagedChannel::shutdownNow);
        for (NodeProcess n : nodes) {
            if (n.isAlive()) {
                n.resume();
            }
            n.close();
        }
    }
}
