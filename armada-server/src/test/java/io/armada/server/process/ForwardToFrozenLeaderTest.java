package io.armada.server.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import io.armada.api.v1.ClusterGrpc;
import io.armada.api.v1.CreateTableRequest;
import io.armada.api.v1.KVGrpc;
import io.armada.api.v1.PutRequest;
import io.armada.api.v1.StatusRequest;
import io.armada.api.v1.TablesGrpc;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A write forwarded to a table's leader that then freezes (SIGSTOP): the frozen leader answers
 * nothing, so before the fix the forwarding node waited out the client's whole deadline although
 * the other members elected a new leader within about an election timeout (pause-leader-cluster-node:
 * writes through a follower cluster stalled 4.4 s of a 5 s pause). The forward now ends when the
 * group's leader changes: the client hears UNAVAILABLE, outcome unknown, and can go on.
 */
class ForwardToFrozenLeaderTest {
    private static final long DEADLINE_MILLIS = 10_000;

    @TempDir
    Path dir;

    private ProcessCluster cluster;

    @AfterEach
    void stop() throws Exception {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void aForwardToALeaderThatFrozeEndsWhenTheGroupElectsAnother() throws Exception {
        cluster = ProcessCluster.start(dir, 3, java.util.Map.of());
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> TablesGrpc.newBlockingStub(cluster.channel(0))
                        .withDeadlineAfter(5, TimeUnit.SECONDS)
                        .create(CreateTableRequest.newBuilder().setName("t").build())
                        .hasTable());
        long leader = await().atMost(Duration.ofSeconds(30)).until(() -> leaderSeenBy(0), id -> id != 0);
        int via = (int) (leader % 3); // the member after the leader (ids are 1..3, indexes 0..2)
        // the forwarding member knows the leader and reaches it
        await().atMost(Duration.ofSeconds(30))
                .ignoreExceptions()
                .until(() -> put(via, "warm-up", 5_000) > 0 && leaderSeenBy(via) == leader);

        cluster.node((int) leader - 1).pause();
        long sent = System.nanoTime();
        assertThatThrownBy(() -> put(via, "in-flight", DEADLINE_MILLIS))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).as("%s", e.getStatus()).isEqualTo(Status.Code.UNAVAILABLE);
                    assertThat(e.getStatus().getDescription())
                            .contains("lost its leadership while the write was in flight");
                });
        System.out.printf(
                "forward to a frozen leader answered after %d ms%n",
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent));
        // the live members took over: writes through the same member go on while the old leader is frozen
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> put(via, "after", 2_000) > 0);
    }

    private long put(int node, String key, long deadlineMillis) {
        return KVGrpc.newBlockingStub(cluster.channel(node))
                .withDeadlineAfter(deadlineMillis, TimeUnit.MILLISECONDS)
                .put(PutRequest.newBuilder()
                        .setTable("t")
                        .setKey(ByteString.copyFromUtf8(key))
                        .setValue(ByteString.copyFromUtf8("v"))
                        .build())
                .getHeader()
                .getRevision();
    }

    private long leaderSeenBy(int node) {
        var status = ClusterGrpc.newBlockingStub(cluster.channel(node))
                .withDeadlineAfter(5, TimeUnit.SECONDS)
                .status(StatusRequest.getDefaultInstance());
        return status.getTablesList().stream()
                .filter(t -> t.getTable().getName().equals("t"))
                .mapToLong(t -> t.getTable().getStatus().getLeaderId())
                .findFirst()
                .orElse(0);
    }
}
