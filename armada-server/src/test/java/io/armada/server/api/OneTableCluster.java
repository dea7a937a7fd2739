package io.armada.server.api;

import com.google.protobuf.ByteString;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.TablesGrpc;
import io.armada.server.dev.DevCluster;
import io.armada.server.dev.FreePorts;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/** The hostile-input tests' fixture: a real one-node cluster serving table "t", and a plaintext channel to it. */
final class OneTableCluster implements AutoCloseable {
    final DevCluster cluster;
    final ManagedChannel channel;
    /** The node's client port. */
    final int port;

    private OneTableCluster(DevCluster cluster, ManagedChannel channel, int port) {
        this.cluster = cluster;
        this.channel = channel;
        this.port = port;
    }

    static OneTableCluster start(Path dir) {
        int base = FreePorts.basePort(1);
        DevCluster cluster = DevCluster.start(dir, 1, base, e -> {
            throw new AssertionError("fatal storage error", e);
        });
        ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", base + 1)
                .usePlaintext()
                .build();
        Awaitility.await()
                .atMost(Duration.ofSeconds(30))
                .ignoreExceptionsInstanceOf(StatusRuntimeException.class)
                .until(() -> TablesGrpc.newBlockingStub(channel)
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("t").build())
                        .hasTable());
        return new OneTableCluster(cluster, channel, base + 1);
    }

    /** Puts {@code key} = "v" into table "t"; its revision. */
    long put(String key) {
        return KVGrpc.newBlockingStub(channel)
                .withDeadlineAfter(10, TimeUnit.SECONDS)
                .put(PutRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8("v"))
                        .build())
                .getHeader()
                .getRevision();
    }

    /** Bytes of request messages still arriving that the node holds now (see {@link RequestBodyBudget}). */
    long unfinishedRequestBytes() {
        return cluster.servers().get(0).api().unfinishedRequestBytes();
    }

    @Override
    public void close() {
        channel.shutdownNow();
        cluster.close();
    }
}
